// Four-eyes role changes (/admin/roles): a grant of administrator or moderator waits here
// until a second administrator confirms or rejects it. Who may decide is the API's rule
// (not the one who asked, not the member concerned): the page offers both buttons to every
// administrator and shows the API's answer.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation } from '../router.js';
import { AdminCrumbs, MemberName, adminProblem, loadMembers, memberOf, roleList, roleName } from './admin-common.js';
import { When } from './forums-common.js';
import { NotFound } from './notfound.js';

const STATUSES = ['pending', 'confirmed', 'rejected'];

/** GET /role-changes?status= with the members they name: {items, error, reload}. */
export function useRoleChanges(status) {
  const [state, setState] = useState({ items: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    api('GET', '/role-changes', { query: { status } })
      .then((items) => {
        if (!live) return;
        loadMembers(items.flatMap((c) => [c.user_id, c.requested_by, c.decided_by]));
        setState({ items, error: null });
      })
      .catch((error) => live && setState({ items: null, error }));
    return () => {
      live = false;
    };
  }, [status, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

/** What a change does, in words: the roles it leaves and, while pending, what it adds. */
function ChangeText({ change }) {
  const lines = [];
  const member = memberOf(change.user_id);
  if (Array.isArray(change.changes.roles)) {
    const after = change.changes.roles;
    if (change.status === 'pending' && member) {
      const granted = after.filter((r) => !member.roles.includes(r));
      const removed = member.roles.filter((r) => !after.includes(r));
      if (granted.length) lines.push(t('admin.change.grants', { roles: granted.map(roleName).join(', ') }));
      if (removed.length) lines.push(t('admin.change.removes', { roles: removed.map(roleName).join(', ') }));
    }
    lines.push(t('admin.change.rolesAfter', { roles: roleList(after) }));
  }
  for (const [name, value] of Object.entries(change.changes)) {
    if (name === 'roles') continue;
    lines.push(t('admin.change.other', { field: name, value: String(value) }));
  }
  return html`<ul class="admin-plain">${lines.map((line) => html`<li key=${line}>${line}</li>`)}</ul>`;
}

/** One change; a pending one has Confirm and Reject, and says what the API answered. */
export function RoleChangeItem({ change, onDecided, headingLevel = 2 }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const Heading = `h${headingLevel}`;
  const decide = async (verb) => {
    setBusy(verb);
    setError(null);
    try {
      const decided = await api('POST', `/role-changes/${change.id}/${verb}`);
      onDecided(decided);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(null);
    }
  };
  const errorId = `change-${change.id}-error`;
  return html`
    <li class="admin-change">
      <${Heading} class="row-title">${t('admin.change.for')} <${MemberName} id=${change.user_id} /><//>
      <${ChangeText} change=${change} />
      <p class="meta">${t('admin.change.askedBy')} <${MemberName} id=${change.requested_by} />, <${When} iso=${change.created_at} /></p>
      ${change.status === 'pending'
        ? html`<p><span class="badge admin-badge-pending">${t('admin.change.pending')}</span></p>`
        : html`<p class="meta"><span class="badge">${t(`admin.change.status.${change.status}`)}</span>
            ${change.decided_by ? html` ${t('admin.change.decidedBy')} <${MemberName} id=${change.decided_by} />` : null}
            ${change.decided_at ? html`, <${When} iso=${change.decided_at} />` : null}</p>`}
      ${error ? html`<p class="error-message" role="alert" id=${errorId}>${adminProblem(error)}</p>` : null}
      ${change.status === 'pending'
        ? html`<div class="actions">
            <${Button} type="button" busy=${busy === 'confirm'} disabled=${busy !== null}
              aria-describedby=${error ? errorId : undefined} onClick=${() => decide('confirm')}>${t('admin.change.confirm')}<//>
            <${Button} type="button" class="button secondary" busy=${busy === 'reject'} disabled=${busy !== null}
              onClick=${() => decide('reject')}>${t('admin.change.reject')}<//>
          </div>`
        : null}
    </li>
  `;
}

export function RoleChanges() {
  const asked = currentLocation.value.query.get('status');
  const status = STATUSES.includes(asked) ? asked : 'pending';
  const changes = useRoleChanges(status);
  const [notice, setNotice] = useState('');
  useEffect(() => setNotice(''), [status]);
  if (changes.error && [403, 404].includes(changes.error.status)) return html`<${NotFound} />`;

  const decided = (change) => {
    const member = memberOf(change.user_id);
    const name = member ? member.full_name : t('admin.member.unknown');
    setNotice(t(`admin.change.done.${change.status}`, { name }));
    changes.reload();
    requestAnimationFrame(() => document.querySelector('main h1')?.focus());
  };
  let content;
  if (changes.error) content = html`<div class="notice warning" role="alert"><p>${adminProblem(changes.error)}</p></div>`;
  else if (!changes.items) content = html`<${Skeleton} rows=${3} />`;
  else if (changes.items.length === 0) content = html`<p class="empty">${t(`admin.roles.empty.${status}`)}</p>`;
  else {
    content = html`<ul class="rows admin-changes">
      ${changes.items.map((c) => html`<${RoleChangeItem} key=${c.id} change=${c} onDecided=${decided} />`)}
    </ul>`;
  }
  return html`
    <${Page} title=${t('admin.roles.title')}>
      <${AdminCrumbs} />
      <p class="admin-lead">${t('admin.roles.intro')}</p>
      <nav class="filter-tabs" aria-label=${t('admin.roles.filter')}>
        <ul>
          ${STATUSES.map(
            (s) => html`<li key=${s}>
              <a href=${`/admin/roles?status=${s}`} aria-current=${s === status ? 'page' : undefined}>${t(`admin.roles.tab.${s}`)}</a>
            </li>`,
          )}
        </ul>
      </nav>
      <div role="status" class="status-line">${notice ? html`<p class="notice success">${notice}</p>` : null}</div>
      ${content}
    <//>
  `;
}
