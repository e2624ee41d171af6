// Who follows the case besides its two authorities: assigned officers and observers (a
// liaison magistrate, say) with the end of their invitation. Inviting and ending an
// invitation are offered when the case read says the member may (may_manage_participants).
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Skeleton, fieldMessage, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDateTime, t } from '../i18n.js';
import { When } from './cases-common.js';

function InviteForm({ caseId, onInvited }) {
  const [values, setValues] = useState({ handle: '', expires: '', note: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    const body = { handle: values.handle.trim().replace(/^@/, ''), role: 'observer' };
    // The end of the day chosen, in the member's own time zone.
    if (values.expires) body.expires_at = new Date(`${values.expires}T23:59:00`).toISOString();
    if (values.note.trim()) body.note = values.note.trim();
    try {
      await api('POST', `/cases/${caseId}/participants`, { body });
      setValues({ handle: '', expires: '', note: '' });
      setError(null);
      onInvited();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = {};
  for (const item of (error && error.errors) || []) {
    let name = String(item.field || '').split('.')[0];
    if (name === 'expires_at') name = 'expires';
    if (['handle', 'expires', 'note'].includes(name) && !fields[name]) fields[name] = fieldMessage(item.message);
  }
  const labels = { handle: t('cases.observers.handle'), expires: t('cases.observers.expires'), note: t('cases.observers.note') };
  return html`
    <form class="case-invite no-print" onSubmit=${submit} novalidate aria-labelledby="invite-heading">
      <h3 id="invite-heading">${t('cases.observers.invite')}</h3>
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      <${Field} name="handle" label=${labels.handle} hint=${t('cases.observers.handleHint')} error=${fields.handle}
        value=${values.handle} onInput=${set('handle')} autocomplete="off" />
      <${Field} type="date" name="expires" label=${labels.expires} hint=${t('cases.observers.expiresHint')} error=${fields.expires}
        value=${values.expires} onInput=${set('expires')} />
      <${Field} name="note" label=${labels.note} optional=${true} error=${fields.note} value=${values.note} onInput=${set('note')} maxlength="1000" />
      <div class="actions"><${Button} type="submit" busy=${busy}>${t('cases.observers.inviteButton')}<//></div>
    </form>
  `;
}

export function CaseParticipants({ caseId, round, manage, onChanged, onLoaded }) {
  const [people, setPeople] = useState(null);
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const load = () =>
    api('GET', `/cases/${caseId}/participants`)
      .then((items) => {
        setPeople(items);
        setError(null);
        onLoaded(items);
      })
      .catch(setError);
  useEffect(() => {
    load();
  }, [caseId, round]);
  const revoke = async (person) => {
    try {
      await api('DELETE', `/cases/${caseId}/participants/${person.user_id}`);
      setMessage(t('cases.observers.revoked', { name: person.full_name || person.handle || '' }));
      load();
      onChanged();
    } catch (problem) {
      setError(problem);
    }
  };
  let list;
  if (error) list = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!people) list = html`<${Skeleton} rows=${2} />`;
  else {
    const shown = people.filter((p) => p.role === 'observer' || p.active);
    const observers = people.filter((p) => p.role === 'observer');
    list = html`
      ${observers.length ? null : html`<p class="empty">${t('cases.observers.none')}</p>`}
      ${shown.length
      ? html`<ul class="case-people">
          ${shown.map(
            (p) => html`<li key=${p.user_id}>
              <p><strong>${p.full_name || t('cases.observers.someone')}</strong>${p.handle ? html` <span class="meta">@${p.handle}</span>` : null}
                <span class="badge">${t(`cases.observers.role.${p.role}`)}</span></p>
              <p class="meta">${p.revoked_at
                ? t('cases.observers.endedOn', { date: formatDateTime(p.revoked_at) })
                : p.expires_at
                  ? p.active
                    ? html`${t('cases.observers.until')} <${When} iso=${p.expires_at} />`
                    : t('cases.observers.expiredOn', { date: formatDateTime(p.expires_at) })
                  : t('cases.observers.noEnd')}</p>
              ${manage && p.active && p.role === 'observer'
                ? html`<button type="button" class="link-button no-print" onClick=${() => revoke(p)}>
                    ${t('cases.observers.revoke')}<span class="visually-hidden"> ${p.full_name || ''}</span></button>`
                : null}
            </li>`,
          )}
        </ul>`
      : null}`;
  }
  return html`
    <section aria-labelledby="people-heading" class="case-panel-section">
      <h2 id="people-heading">${t('cases.observers.title')}</h2>
      <p class="visually-hidden" role="status" aria-live="polite">${message}</p>
      ${list}
      ${manage ? html`<${InviteForm} caseId=${caseId} onInvited=${() => {
        setMessage(t('cases.observers.invited'));
        load();
        onChanged();
      }} />` : null}
    </section>
  `;
}
