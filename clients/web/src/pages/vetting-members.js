// Members' vetting, for moderators: whose vetting lapses soon or has lapsed (?lapse=), or any
// member found by name (?q=); and a member's page with their whole vetting record,
// re-attestation with the checks made, and suspension or reinstatement with a reason. What
// the reader may do to the member comes from the API (the record's allowed_actions).
import { useCallback, useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { LoadMore, When, usePaged } from './forums-common.js';
import { NotFound } from './notfound.js';
import {
  CHECKS,
  CheckboxGroup,
  Lapse,
  ModerationCrumbs,
  StepTimeline,
  checkName,
  roleName,
  toggled,
  vettingProblem,
} from './vetting-common.js';

const LAPSES = ['soon', 'lapsed'];

function MemberStatus({ status }) {
  if (status === 'active') return null;
  const key = `vetting.member.status.${status}`;
  const text = t(key);
  return html`<span class="badge vet-suspended">${text === key ? status : text}</span>`;
}

function MemberRow({ member }) {
  return html`
    <li class="vet-row">
      <div>
        <h2 class="row-title"><a href=${`/vetting/members/${member.id}`}>${member.full_name}</a></h2>
        <p class="meta"><span class="vet-ltr">@${member.handle}</span>${member.authority ? ` · ${member.authority.name} (${member.authority.state_code})` : ''}</p>
        <p class="meta">${member.roles.map(roleName).join(', ')}</p>
      </div>
      <div class="row-facts">
        <p><${Lapse} iso=${member.vetting_expires_at} lapsed=${member.vetting_lapsed} /></p>
        ${member.vetting_lapsed ? html`<p><span class="badge vet-lapsed">${t('vetting.members.lapsedBadge')}</span></p>` : null}
        <p><${MemberStatus} status=${member.status} /></p>
      </div>
    </li>
  `;
}

function SearchForm({ q }) {
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const submit = (event) => {
    event.preventDefault();
    const words = text.trim();
    navigate(words ? `/vetting/members?q=${encodeURIComponent(words)}` : '/vetting/members');
  };
  return html`
    <form class="vet-search" role="search" onSubmit=${submit}>
      <${Field} name="q" type="search" label=${t('vetting.members.search')} hint=${t('vetting.members.searchHint')}
        value=${text} onInput=${setText} />
      <div class="actions"><button type="submit" class="button secondary">${t('vetting.members.searchSubmit')}</button></div>
    </form>
  `;
}

export function VettingMembers() {
  const query = currentLocation.value.query;
  const q = (query.get('q') || '').trim();
  const lapse = LAPSES.includes(query.get('lapse')) ? query.get('lapse') : 'soon';
  const key = q ? `q:${q}` : `lapse:${lapse}`;
  const load = useCallback(
    (cursor) =>
      q
        ? api('GET', '/users', { query: { q, limit: 25, cursor } })
        : api('GET', '/vetting/members', { query: { lapse, limit: 25, cursor } }),
    [key],
  );
  const paged = usePaged(load, key);
  if (paged.error && [403, 404].includes(paged.error.status)) return html`<${NotFound} />`;
  let content;
  if (paged.error) content = html`<div class="notice warning" role="alert"><p>${vettingProblem(paged.error)}</p></div>`;
  else if (!paged.items) content = html`<${Skeleton} rows=${4} />`;
  else if (paged.items.length === 0) {
    content = html`<p class="empty">${q ? t('vetting.members.empty.search', { q }) : t(`vetting.members.empty.${lapse}`)}</p>`;
  } else {
    content = html`
      <ul class="rows vet-rows">${paged.items.map((m) => html`<${MemberRow} key=${m.id} member=${m} />`)}</ul>
      <${LoadMore} paged=${paged} label=${t('vetting.members.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('vetting.members.title')}>
      <${ModerationCrumbs} />
      <p>${t('vetting.members.intro')}</p>
      <${SearchForm} q=${q} />
      <nav class="filter-tabs" aria-label=${t('vetting.members.filter')}>
        <ul>
          ${LAPSES.map(
            (l) => html`<li key=${l}>
              <a href=${`/vetting/members?lapse=${l}`} aria-current=${!q && l === lapse ? 'page' : undefined}>${t(`vetting.members.tab.${l}`)}</a>
            </li>`,
          )}
        </ul>
      </nav>
      ${q ? html`<h2>${t('vetting.members.results', { q })}</h2>` : null}
      ${content}
    <//>
  `;
}

function ReattestForm({ member, onDone, onCancel }) {
  const [checks, setChecks] = useState([]);
  const [otherCheck, setOtherCheck] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const all = [...checks, ...(otherCheck.trim() ? [otherCheck.trim()] : [])];
    try {
      const answer = await api('POST', `/users/${member.id}/reattest`, { body: { checks: all, note: note.trim() || null } });
      onDone(answer, t('vetting.done.reattest', { name: member.full_name }));
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const fields = fieldErrors(error, ['checks', 'note']);
  const labels = { checks: t('vetting.reattest.checks'), note: t('vetting.reattest.note') };
  return html`
    <form class="inline-form" onSubmit=${submit} novalidate aria-labelledby="reattest-heading">
      <h3 id="reattest-heading">${t('vetting.reattest.title', { name: member.full_name })}</h3>
      <p>${t('vetting.reattest.intro')}</p>
      <${ErrorSummary} error=${error ? { ...error, detail: vettingProblem(error) } : null} fields=${fields} labels=${labels} />
      <${CheckboxGroup} name="checks" legend=${labels.checks} hint=${t('vetting.approve.checksHint')} error=${fields.checks}
        options=${CHECKS.map((c) => [c, checkName(c)])} chosen=${checks} onToggle=${(v, on) => setChecks(toggled(checks, v, on))} />
      <${Field} name="other_check" label=${t('vetting.approve.otherCheck')} hint=${t('vetting.approve.otherCheckHint')}
        value=${otherCheck} onInput=${setOtherCheck} optional=${true} />
      <${Field} as="textarea" name="note" label=${labels.note} value=${note} onInput=${setNote} error=${fields.note}
        optional=${true} rows="3" />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t('vetting.reattest.submit')}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('vetting.cancel')}</button>
      </div>
    </form>
  `;
}

/** Suspend or reinstate: the reason is required and kept in the member's vetting record. */
function StatusForm({ member, verb, onDone, onCancel }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api('POST', `/users/${member.id}/${verb}`, { body: { reason } });
      onDone(answer, t(`vetting.done.${verb}`, { name: member.full_name }));
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const fields = fieldErrors(error, ['reason']);
  const label = t(`vetting.${verb}.reason`);
  return html`
    <form class="inline-form" onSubmit=${submit} novalidate aria-labelledby=${`${verb}-heading`}>
      <h3 id=${`${verb}-heading`}>${t(`vetting.${verb}.title`, { name: member.full_name })}</h3>
      ${verb === 'suspend' ? html`<div class="notice warning"><p>${t('vetting.suspend.warning', { name: member.full_name })}</p></div>` : null}
      <${ErrorSummary} error=${error ? { ...error, detail: vettingProblem(error) } : null} fields=${fields} labels=${{ reason: label }} />
      <${Field} as="textarea" name="reason" label=${label} hint=${t(`vetting.${verb}.hint`)} value=${reason}
        onInput=${setReason} error=${fields.reason} rows="3" />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t(`vetting.${verb}.submit`)}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('vetting.cancel')}</button>
      </div>
    </form>
  `;
}

function MemberActions({ member, actions, onDone }) {
  const [open, setOpen] = useState(null);
  if (actions.length === 0) return null;
  return html`
    <section class="panel vet-action" aria-labelledby="member-actions-heading">
      <h2 id="member-actions-heading">${t('vetting.member.actions')}</h2>
      ${open
        ? null
        : html`<div class="actions">
            ${actions.map(
              (a) => html`<button type="button" key=${a} class=${a === 'suspend' ? 'button secondary vet-danger' : 'button'}
                onClick=${() => setOpen(a)}>${t(`vetting.member.${a}`)}</button>`,
            )}
          </div>`}
      ${open === 'reattest' ? html`<${ReattestForm} member=${member} onDone=${onDone} onCancel=${() => setOpen(null)} />` : null}
      ${open === 'suspend' || open === 'reinstate'
        ? html`<${StatusForm} member=${member} verb=${open} onDone=${onDone} onCancel=${() => setOpen(null)} />`
        : null}
    </section>
  `;
}

export function MemberVettingPage({ params }) {
  const [member, setMember] = useState(null);
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const noticeRef = useRef(null);
  const load = () =>
    Promise.all([api('GET', `/users/${params.id}`), api('GET', `/users/${params.id}/vetting`)]).then(([found, vetting]) => {
      setMember(found);
      setRecord(vetting);
    });
  useEffect(() => {
    setMember(null);
    setRecord(null);
    setError(null);
    setNotice('');
    load().catch(setError);
  }, [params.id]);

  if (error && [403, 404, 422].includes(error.status)) return html`<${NotFound} />`;
  if (error) {
    return html`<${Page} title=${t('vetting.member.loadFailed')}><div class="notice warning" role="alert"><p>${vettingProblem(error)}</p></div><//>`;
  }
  if (!member || !record) return html`<${Page} title=${t('vetting.member.loading')}><${Skeleton} rows=${6} /><//>`;
  const done = (fresh, text) => {
    setMember(fresh);
    setNotice(text);
    // The record and what may be done next change with the action: read them again.
    api('GET', `/users/${params.id}/vetting`).then(setRecord).catch(setError);
    requestAnimationFrame(() => noticeRef.current && noticeRef.current.focus());
  };
  const lapsed = member.vetting_expires_at && new Date(member.vetting_expires_at) <= new Date();
  return html`
    <${Page} title=${member.full_name}>
      <${ModerationCrumbs} trail=${[['/vetting/members', t('vetting.members.title')]]} />
      <p class="vet-badges"><${MemberStatus} status=${member.status} />
        ${member.status === 'active' ? html`<span class="badge">${t('vetting.member.status.active')}</span>` : null}</p>
      <p class="audience"><span class="audience-label">${t('vetting.audienceLabel')}</span> ${t('vetting.member.audience')}</p>
      ${notice ? html`<div class="notice success" role="status" tabindex="-1" ref=${noticeRef}><p>${notice}</p></div>` : null}
      <div class="vet-detail">
        <div class="vet-detail-body">
          <${MemberActions} key=${record.steps.length} member=${member} actions=${record.allowed_actions || []} onDone=${done} />
          <h2>${t('vetting.record.title')}</h2>
          <${StepTimeline} steps=${record.steps} />
        </div>
        <aside class="vet-side" aria-labelledby="member-facts-heading">
          <h2 id="member-facts-heading">${t('vetting.member.facts')}</h2>
          <dl class="vet-facts">
            <div class="vet-fact"><dt>${t('vetting.application.handle')}</dt><dd><span class="vet-ltr">@${member.handle}</span></dd></div>
            <div class="vet-fact"><dt>${t('vetting.application.email')}</dt><dd><span class="vet-ltr">${member.email}</span></dd></div>
            <div class="vet-fact"><dt>${t('vetting.application.authority')}</dt><dd>${member.authority ? `${member.authority.name} (${member.authority.state_code})` : '—'}</dd></div>
            <div class="vet-fact"><dt>${t('vetting.member.roles')}</dt><dd>${member.roles.map(roleName).join(', ') || '—'}</dd></div>
            <div class="vet-fact"><dt>${t('vetting.member.vetted')}</dt><dd>${record.vetted_at ? html`<${When} iso=${record.vetted_at} />` : '—'}</dd></div>
            <div class="vet-fact"><dt>${t('vetting.member.validUntil')}</dt><dd><${Lapse} iso=${record.vetting_expires_at} lapsed=${lapsed} /></dd></div>
          </dl>
        </aside>
      </div>
    <//>
  `;
}
