// The member's own account: display name and handle, signed-in sessions (revoke the others),
// new recovery codes (shown once, with the sign-in flow's own page for them).
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDateTime, relativeTime, t } from '../i18n.js';
import { me } from '../session.js';
import { RecoveryCodes } from './signin.js';

function When({ iso }) {
  return html`<time datetime=${iso} title=${formatDateTime(iso)}>${relativeTime(iso)}</time>`;
}

function Details({ member }) {
  const [fullName, setFullName] = useState(member.full_name);
  const [handle, setHandle] = useState(member.handle);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api('PATCH', '/me', { body: { full_name: fullName, handle } });
      me.value = updated;
      setFullName(updated.full_name);
      setHandle(updated.handle);
      setSaved(true);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrors(error, ['full_name', 'handle']);
  const labels = { full_name: t('account.profile.fullName'), handle: t('account.profile.handle') };
  return html`
    <section aria-labelledby="details-heading">
      <h2 id="details-heading">${t('account.profile.details')}</h2>
      <dl class="facts">
        <div><dt>${t('account.profile.email')}</dt><dd>${member.email}</dd></div>
        ${member.authority ? html`<div><dt>${t('account.profile.authority')}</dt><dd>${member.authority.name}</dd></div>` : null}
        <div><dt>${t('account.profile.roles')}</dt><dd>${member.roles.map((r) => t(`role.${r}`)).join(', ')}</dd></div>
      </dl>
      <p class="meta">${t('account.profile.fixedHint')}</p>
      ${saved ? html`<div class="notice success" role="status"><p>${t('account.profile.saved')}</p></div>` : null}
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="full_name" label=${labels.full_name} hint=${t('account.profile.fullNameHint')} value=${fullName}
          onInput=${setFullName} error=${fields.full_name} autocomplete="name" maxlength="200" />
        <${Field} name="handle" label=${labels.handle} hint=${t('account.profile.handleHint')} value=${handle}
          onInput=${setHandle} error=${fields.handle} autocomplete="off" spellcheck=${false} maxlength="33" />
        <div class="actions"><${Button} type="submit" busy=${busy}>${t('account.profile.save')}<//></div>
      </form>
    </section>
  `;
}

function deviceOf(session) {
  const agent = session.user_agent || '';
  const browsers = [['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Chromium/', 'Chromium'], ['Safari/', 'Safari']];
  const found = browsers.find(([token]) => agent.includes(token));
  const systems = [['Windows', 'Windows'], ['Android', 'Android'], ['iPhone', 'iOS'], ['Mac OS', 'macOS'], ['Linux', 'Linux']];
  const system = systems.find(([token]) => agent.includes(token));
  if (session.kind !== 'cookie') return t('account.sessions.app');
  if (!found) return t('account.sessions.browser');
  return system ? `${found[1]}, ${system[1]}` : found[1];
}

function Sessions() {
  const [sessions, setSessions] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(null);
  // This browser first, then the others as the API orders them (newest first).
  const load = () =>
    api('GET', '/me/sessions')
      .then((found) => setSessions([...found.filter((s) => s.current), ...found.filter((s) => !s.current)]))
      .catch(setError);
  useEffect(() => {
    load();
  }, []);
  const revoke = async (session) => {
    setBusy(session.id);
    setError(null);
    setNotice(null);
    try {
      await api('DELETE', `/me/sessions/${session.id}`);
      setNotice(t('account.sessions.revoked', { device: deviceOf(session) }));
      await load();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(null);
    }
  };
  let content;
  if (error) content = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  if (!sessions) content = html`${content}<${Skeleton} rows=${2} />`;
  else {
    content = html`
      ${content}
      ${notice ? html`<div class="notice success" role="status"><p>${notice}</p></div>` : null}
      <ul class="items sessions">
        ${sessions.map(
          (s) => html`<li key=${s.id}>
            <div>
              <strong>${deviceOf(s)}</strong>
              ${s.current ? html` <span class="badge">${t('account.sessions.current')}</span>` : null}
              <p class="meta">
                ${t('account.sessions.started')} <${When} iso=${s.created_at} />${' · '}${t('account.sessions.lastSeen')}${' '}<${When} iso=${s.last_seen_at} />${s.client_ip ? ` · ${t('account.sessions.address', { address: s.client_ip })}` : null}
              </p>
            </div>
            ${s.current
              ? html`<span class="meta">${t('account.sessions.thisOne')}</span>`
              : html`<${Button} type="button" class="button secondary" busy=${busy === s.id} onClick=${() => revoke(s)}>
                  ${t('account.sessions.revoke')}<span class="visually-hidden">: ${deviceOf(s)}, ${formatDateTime(s.created_at)}</span>
                <//>`}
          </li>`,
        )}
      </ul>
    `;
  }
  return html`
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">${t('account.sessions.title')}</h2>
      <p>${t('account.sessions.intro')}</p>
      ${content}
    </section>
  `;
}

function NewRecoveryCodes({ onIssued }) {
  const [usePassword, setUsePassword] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const name = usePassword ? 'password' : 'code';
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = usePassword ? { password: value } : { code: value.trim() };
      const issued = await api('POST', '/me/recovery-codes', { body });
      setValue('');
      onIssued(issued.recovery_codes);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = error && error.status !== 429 ? fieldErrors(error, [name]) : {};
  const label = usePassword ? t('account.recovery.password') : t('account.recovery.code');
  const toggle = () => {
    setUsePassword(!usePassword);
    setValue('');
    setError(null);
  };
  return html`
    <section aria-labelledby="recovery-heading">
      <h2 id="recovery-heading">${t('account.recovery.title')}</h2>
      <p>${t('account.recovery.intro')}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ [name]: label }} />
      <form onSubmit=${submit} novalidate>
        <${Field} name=${name} type=${usePassword ? 'password' : 'text'} label=${label} value=${value} onInput=${setValue}
          error=${fields[name]} hint=${usePassword ? t('account.recovery.passwordHint') : t('signIn.codeHint')}
          class=${usePassword ? undefined : 'code'} autocomplete=${usePassword ? 'current-password' : 'one-time-code'}
          inputmode=${usePassword ? undefined : 'numeric'} spellcheck=${false} />
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${t('account.recovery.submit')}<//>
          <button type="button" class="link-button" onClick=${toggle}>
            ${usePassword ? t('account.recovery.useCode') : t('account.recovery.usePassword')}
          </button>
        </div>
      </form>
    </section>
  `;
}

export function Profile() {
  const member = me.value;
  const [codes, setCodes] = useState(null);
  const [replaced, setReplaced] = useState(false);
  useEffect(() => {
    // Each swap between this page and the codes is a new page for the member: start at its heading.
    const heading = document.querySelector('main h1');
    if (heading && (codes || replaced)) heading.focus();
  }, [codes, replaced]);
  if (codes) {
    // The sign-in flow's page for recovery codes: shown once, to download or print.
    return html`<${RecoveryCodes} codes=${codes} onContinue=${() => {
      setCodes(null);
      setReplaced(true);
    }} />`;
  }
  return html`
    <${Page} title=${t('account.profile.title')}>
      ${replaced ? html`<div class="notice success" role="status"><p>${t('account.recovery.replaced')}</p></div>` : null}
      <${Details} member=${member} />
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">${t('account.password.sectionTitle')}</h2>
        <p><a href="/settings/password">${t('account.password.changeLink')}</a></p>
      </section>
      <${Sessions} />
      <${NewRecoveryCodes} onIssued=${setCodes} />
    <//>
  `;
}
