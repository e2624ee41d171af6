// Members, as administrators manage them: search (/admin/members?q=&status=&role=, in the
// address so a search can be shared), and one member's page (/admin/members/{id}): grant and
// revoke roles, suspend and reinstate with a reason, sign them out everywhere. The API
// decides every step (four eyes for administrator and moderator, nobody acts on themselves);
// the page shows its answers.
import { useCallback, useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { AdminCrumbs, AdminOnly, ROLES, adminProblem, knowMember, roleList, roleName } from './admin-common.js';
import { RoleChangeItem, useRoleChanges } from './admin-roles.js';
import { LoadMore, When, usePaged } from './forums-common.js';
import { NotFound } from './notfound.js';

const FILTERS = ['q', 'status', 'role'];
const STATUSES = ['active', 'suspended'];
const PAGE_SIZE = 25;

function filtersFrom(query) {
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || '']));
}

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if ((filters[name] || '').trim()) params.set(name, filters[name].trim());
  const query = params.toString();
  return query ? `/admin/members?${query}` : '/admin/members';
}

function StatusBadge({ status }) {
  const key = `admin.status.${status}`;
  const text = t(key);
  return html`<span class=${status === 'suspended' ? 'badge admin-badge-suspended' : 'badge'}>${text === key ? status : text}</span>`;
}

function SearchForm({ applied }) {
  const [values, setValues] = useState(applied);
  useEffect(() => setValues(applied), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf(values));
  };
  const any = FILTERS.some((name) => applied[name]);
  return html`
    <form class="dir-filters" role="search" aria-label=${t('admin.members.search')} onSubmit=${submit} novalidate>
      <div class="dir-filter-row">
        <${Field} name="q" type="search" label=${t('admin.members.q')} hint=${t('admin.members.qHint')} value=${values.q}
          onInput=${set('q')} maxlength="200" />
        <${Field} as="select" name="status" label=${t('admin.members.status')} value=${values.status} onInput=${set('status')}>
          <option value="">${t('admin.members.any')}</option>
          ${STATUSES.map((s) => html`<option key=${s} value=${s}>${t(`admin.status.${s}`)}</option>`)}
        <//>
        <${Field} as="select" name="role" label=${t('admin.members.role')} value=${values.role} onInput=${set('role')}>
          <option value="">${t('admin.members.any')}</option>
          ${ROLES.map((r) => html`<option key=${r} value=${r}>${roleName(r)}</option>`)}
        <//>
      </div>
      <div class="actions">
        <${Button} type="submit">${t('admin.members.submit')}<//>
        ${any ? html`<a href="/admin/members">${t('admin.members.clear')}</a>` : null}
      </div>
    </form>
  `;
}

function MemberRow({ member }) {
  return html`
    <li class="admin-member">
      <div>
        <h3 class="row-title"><a href=${`/admin/members/${member.id}`}>${member.full_name}</a> <span class="meta">@${member.handle}</span></h3>
        <p class="meta">${member.email}</p>
        <p class="meta">${member.authority ? `${member.authority.name} (${member.authority.state_code})` : t('admin.member.noAuthority')}</p>
      </div>
      <div class="row-facts">
        <p><${StatusBadge} status=${member.status} /></p>
        <p class="meta">${t('admin.member.rolesLine', { roles: roleList(member.roles) })}</p>
      </div>
    </li>
  `;
}

function MembersListPage() {
  const applied = filtersFrom(currentLocation.value.query);
  const key = addressOf(applied);
  const load = useCallback(
    (cursor) => api('GET', '/users', { query: { ...applied, limit: PAGE_SIZE, cursor } }),
    [key],
  );
  const paged = usePaged(load, key);
  if (paged.error && [403, 404].includes(paged.error.status)) return html`<${NotFound} />`;
  const searched = FILTERS.some((name) => applied[name]);
  let results;
  if (paged.error) results = html`<div class="notice warning" role="alert"><p>${adminProblem(paged.error)}</p></div>`;
  else if (!paged.items) results = html`<${Skeleton} rows=${5} />`;
  else if (paged.items.length === 0) {
    results = html`<p class="empty">${searched ? t('admin.members.emptyFiltered') : t('admin.members.empty')}</p>`;
  } else {
    results = html`
      <ul class="rows admin-members">${paged.items.map((m) => html`<${MemberRow} key=${m.id} member=${m} />`)}</ul>
      <${LoadMore} paged=${paged} label=${t('admin.members.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('admin.members.title')}>
      <${AdminCrumbs} />
      <p class="admin-lead">${t('admin.members.intro')}</p>
      <${SearchForm} applied=${applied} />
      <h2>${t('admin.members.results')}</h2>
      <p class="meta" role="status" aria-live="polite">${paged.items && !paged.error
        ? t(paged.next ? 'admin.members.shownMore' : 'admin.members.shown', { count: paged.items.length })
        : ''}</p>
      ${results}
    <//>
  `;
}

function Fact({ term, children }) {
  return html`<div class="dir-fact"><dt>${term}</dt><dd>${children}</dd></div>`;
}

function Facts({ member }) {
  const yes = (value) => (value ? t('admin.yes') : t('admin.no'));
  return html`
    <dl class="dir-facts admin-facts">
      <${Fact} term=${t('admin.member.email')}>${member.email}<//>
      <${Fact} term=${t('admin.member.handle')}>@${member.handle}<//>
      <${Fact} term=${t('admin.member.authority')}>${member.authority
        ? html`<a href=${`/authorities/${member.authority.id}`}>${member.authority.name}</a> (${member.authority.state_code})`
        : t('admin.member.noAuthority')}<//>
      <${Fact} term=${t('admin.member.focalPoint')}>${yes(member.focal_point)}<//>
      <${Fact} term=${t('admin.member.position')}>${member.position || t('admin.notStated')}<//>
      <${Fact} term=${t('admin.member.status')}><${StatusBadge} status=${member.status} /><//>
      <${Fact} term=${t('admin.member.roles')}>${roleList(member.roles)}<//>
      <${Fact} term=${t('admin.member.vettedUntil')}>${member.vetting_expires_at ? html`<${When} iso=${member.vetting_expires_at} />` : t('admin.notStated')}<//>
      <${Fact} term=${t('admin.member.lastSignIn')}>${member.last_login_at ? html`<${When} iso=${member.last_login_at} />` : t('admin.member.never')}<//>
      <${Fact} term=${t('admin.member.mfa')}>${yes(member.mfa_enrolled)}<//>
      <${Fact} term=${t('admin.member.since')}><${When} iso=${member.created_at} /><//>
    </dl>
  `;
}

/** Grant a role the member lacks, or revoke one they hold: PATCH with the new set. */
function Roles({ member, pending, onChanged, onPending }) {
  const missing = ROLES.filter((r) => !member.roles.includes(r));
  const [grant, setGrant] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const change = async (roles, label) => {
    setBusy(label);
    setError(null);
    try {
      const answer = await api('PATCH', `/users/${member.id}`, { body: { roles } });
      // 202: {pending_change_id} until a second administrator confirms; 200: the member.
      if (answer && answer.pending_change_id) onPending(label);
      else onChanged(answer, label);
      setGrant('');
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(null);
    }
  };
  const submitGrant = (event) => {
    event.preventDefault();
    if (!grant) {
      setError({ code: 'choose-role' });
      return;
    }
    change([...member.roles, grant], `grant:${grant}`);
  };
  const message = error ? (error.code === 'choose-role' ? t('admin.roles.chooseRole') : adminProblem(error)) : '';
  return html`
    <section class="admin-section" aria-labelledby="roles-heading">
      <h2 id="roles-heading">${t('admin.member.rolesHeading')}</h2>
      ${message ? html`<div class="notice warning" role="alert"><p>${message}</p></div>` : null}
      ${member.roles.length === 0
        ? html`<p class="meta">${t('admin.roles.none')}</p>`
        : html`<ul class="admin-roles">
            ${member.roles.map(
              (role) => html`<li key=${role}>
                <span>${roleName(role)}</span>
                <${Button} type="button" class="button secondary" busy=${busy === `revoke:${role}`} disabled=${busy !== null}
                  onClick=${() => change(member.roles.filter((r) => r !== role), `revoke:${role}`)}>
                  ${t('admin.roles.revoke')}<span class="visually-hidden"> ${roleName(role)}</span>
                <//>
              </li>`,
            )}
          </ul>`}
      ${missing.length
        ? html`<form class="admin-grant" onSubmit=${submitGrant} novalidate>
            <${Field} as="select" name="grant" label=${t('admin.roles.grantLabel')} hint=${t('admin.roles.grantHint')}
              value=${grant} onInput=${setGrant}>
              <option value="">${t('admin.roles.choose')}</option>
              ${missing.map((r) => html`<option key=${r} value=${r}>${roleName(r)}</option>`)}
            <//>
            <${Button} type="submit" busy=${busy && busy.startsWith('grant')} disabled=${busy !== null}>${t('admin.roles.grant')}<//>
          </form>`
        : null}
      ${pending}
    </section>
  `;
}

/** Suspend or reinstate, whichever the API offers now, with the reason it records. */
function Status({ member, actions, onChanged }) {
  const verb = ['suspend', 'reinstate'].find((v) => actions.includes(v));
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setOpen(false);
    setReason('');
    setError(null);
  }, [member.status]);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api('POST', `/users/${member.id}/${verb}`, { body: { reason } });
      onChanged(answer, verb);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = error && (error.errors || []).find((e) => String(e.field).startsWith('reason'));
  return html`
    <section class="admin-section" aria-labelledby="status-heading">
      <h2 id="status-heading">${t('admin.member.statusHeading')}</h2>
      <p>${t(`admin.status.explain.${member.status}`, { name: member.full_name })}</p>
      ${!verb ? html`<p class="meta">${t('admin.status.noAction')}</p>` : null}
      ${verb && !open
        ? html`<p><button type="button" class="button secondary" onClick=${() => setOpen(true)}>${t(`admin.status.open.${verb}`)}</button></p>`
        : null}
      ${verb && open
        ? html`<form class="inline-form" onSubmit=${submit} novalidate>
            ${error && !fieldError ? html`<p class="error-message" role="alert">${adminProblem(error)}</p>` : null}
            <${Field} as="textarea" name="reason" label=${t(`admin.status.reason.${verb}`)} hint=${t('admin.status.reasonHint')}
              value=${reason} onInput=${setReason} rows="3" error=${fieldError ? t('admin.status.reasonRequired') : undefined} />
            ${verb === 'suspend' ? html`<p class="meta">${t('admin.status.suspendWarning', { name: member.full_name })}</p>` : null}
            <div class="actions">
              <${Button} type="submit" busy=${busy}>${t(`admin.status.confirm.${verb}`)}<//>
              <button type="button" class="link-button" onClick=${() => setOpen(false)}>${t('admin.cancel')}</button>
            </div>
          </form>`
        : null}
    </section>
  `;
}

function Sessions({ member, onDone }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api('DELETE', `/users/${member.id}/sessions`);
      onDone(answer.revoked);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="admin-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">${t('admin.member.sessionsHeading')}</h2>
      <p>${t('admin.sessions.explain', { name: member.full_name })}</p>
      ${error ? html`<p class="error-message" role="alert">${adminProblem(error)}</p>` : null}
      <p><${Button} type="button" class="button secondary" busy=${busy} onClick=${revoke}>${t('admin.sessions.revoke')}<//></p>
    </section>
  `;
}

function MemberView({ params }) {
  const [member, setMember] = useState(null);
  const [error, setError] = useState(null);
  const [actions, setActions] = useState([]);
  const [notice, setNotice] = useState('');
  const changes = useRoleChanges('pending');

  const loadActions = () =>
    // What the caller may do to the member's status, from their vetting record.
    api('GET', `/users/${params.id}/vetting`)
      .then((record) => setActions(record.allowed_actions || []))
      .catch(() => setActions([]));

  useEffect(() => {
    let live = true;
    setMember(null);
    setError(null);
    setNotice('');
    api('GET', `/users/${params.id}`)
      .then((found) => {
        if (!live) return;
        setMember(found);
        knowMember(found);
      })
      .catch((problem) => live && setError(problem));
    loadActions();
    return () => {
      live = false;
    };
  }, [params.id]);

  if (error && [403, 404].includes(error.status)) return html`<${NotFound} />`;
  if (error) {
    return html`<${Page} title=${t('admin.member.loadFailed')}><div class="notice warning" role="alert"><p>${adminProblem(error)}</p></div><//>`;
  }
  if (!member) return html`<${Page} title=${t('admin.member.loading')}><${Skeleton} rows=${6} /><//>`;

  const announce = (text) => {
    setNotice(text);
    requestAnimationFrame(() => document.querySelector('.admin-notice')?.focus());
  };
  const updated = (fresh, label) => {
    setMember(fresh);
    knowMember(fresh);
    const [verb, role] = label.split(':');
    announce(t(`admin.roles.done.${verb}`, { role: roleName(role), name: fresh.full_name }));
  };
  const pendingAsked = (label) => {
    const role = label.split(':')[1];
    announce(t('admin.roles.done.pending', { role: roleName(role), name: member.full_name }));
    changes.reload();
  };
  const statusChanged = (fresh, verb) => {
    setMember(fresh);
    knowMember(fresh);
    loadActions();
    announce(t(`admin.status.done.${verb}`, { name: fresh.full_name }));
  };
  const decided = (change) => {
    announce(t(`admin.change.done.${change.status}`, { name: member.full_name }));
    changes.reload();
    api('GET', `/users/${member.id}`).then((fresh) => {
      setMember(fresh);
      knowMember(fresh);
    });
  };
  const mine = (changes.items || []).filter((c) => c.user_id === member.id);
  const pending = mine.length
    ? html`<h3>${t('admin.member.pendingHeading')}</h3>
        <ul class="rows admin-changes">
          ${mine.map((c) => html`<${RoleChangeItem} key=${c.id} change=${c} onDecided=${decided} headingLevel=${4} />`)}
        </ul>`
    : null;

  return html`
    <${Page} title=${member.full_name}>
      <${AdminCrumbs} trail=${[['/admin/members', t('admin.members.title')]]} />
      ${notice ? html`<div class="notice success admin-notice" role="status" tabindex="-1"><p>${notice}</p></div>` : null}
      <${Facts} member=${member} />
      <${Roles} member=${member} pending=${pending} onChanged=${updated} onPending=${pendingAsked} />
      <${Status} member=${member} actions=${actions} onChanged=${statusChanged} />
      <${Sessions} member=${member} onDone=${(count) => announce(count
        ? t('admin.sessions.done', { count, name: member.full_name })
        : t('admin.sessions.none', { name: member.full_name }))} />
    <//>
  `;
}

export function MembersList(props) {
  return html`<${AdminOnly}><${MembersListPage} ...${props} /><//>`;
}

export function MemberPage(props) {
  return html`<${AdminOnly}><${MemberView} ...${props} /><//>`;
}
