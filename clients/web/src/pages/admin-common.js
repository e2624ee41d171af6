// What the administration pages share: the way back to the console, the API's refusals in
// words, members' names for the ids the API returns, and the roles' names.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { signal } from '../../vendor/signals.mjs';
import { api } from '../api.js';
import { problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { onSignOut } from '../session.js';
import { NotFound } from './notfound.js';

// The API's roles (API.md "Identity and vetting"), in its order.
export const ROLES = ['admin', 'moderator', 'auditor', 'officer', 'liaison_magistrate'];

export const roleName = (role) => {
  const key = `role.${role}`;
  const text = t(key);
  return text === key ? role : text;
};

export const roleList = (roles) => (roles && roles.length ? roles.map(roleName).join(', ') : t('admin.roles.none'));

/** The API's refusal in words: ours where the catalog has one for its code, else the API's. */
export function adminProblem(error) {
  if (!error) return '';
  const key = `admin.problem.${error.code}`;
  const known = t(key);
  return known === key ? problemMessage(error) : known;
}

/** "Administration › here": the way back to the console from each of its pages. */
export function AdminCrumbs({ trail = [] }) {
  return html`
    <nav class="dir-breadcrumbs" aria-label=${t('admin.breadcrumbs')}>
      <a href="/admin">${t('admin.home.title')}</a>
      ${trail.map(([href, text]) => html` › <a href=${href} key=${href}>${text}</a>`)}
    </nav>
  `;
}

/** A message for the next page shown (e.g. "The treaty is saved" after a redirect). */
export const adminNotice = signal(null);

export function Notice() {
  const text = adminNotice.value;
  if (!text) return null;
  return html`<div class="notice success" role="status"><p>${text}</p></div>`;
}

// Members by id, as GET /users/{id} answers (role changes carry ids only).
const members = signal(new Map());
const asked = new Set();
onSignOut(() => {
  members.value = new Map();
  asked.clear();
});

/** Fetch the members of these ids not known yet; `memberOf(id)` reads them once here. */
export function loadMembers(ids) {
  for (const id of new Set(ids)) {
    if (!id || asked.has(id)) continue;
    asked.add(id);
    api('GET', `/users/${id}`)
      .then((member) => {
        members.value = new Map(members.value).set(id, member);
      })
      .catch(() => {
        members.value = new Map(members.value).set(id, null);
      });
  }
}

/** Remember a member the page has read anyway (no second request for them). */
export function knowMember(member) {
  asked.add(member.id);
  members.value = new Map(members.value).set(member.id, member);
}

/** The member of this id (undefined while loading, null when not readable). */
export function memberOf(id) {
  return members.value.get(id);
}

/** "Ana Souza (@ana.souza)" linked to their page; "a member" until the name is known. */
export function MemberName({ id }) {
  const member = memberOf(id);
  if (!member) return html`<span>${t('admin.member.unknown')}</span>`;
  return html`<a href=${`/admin/members/${member.id}`}>${member.full_name}</a> <span class="meta">@${member.handle}</span>`;
}

// Whether the member administers, as the API answers it: reading the role changes waiting
// for a second administrator is for administrators only. Asked once per session.
let administers = null;
onSignOut(() => {
  administers = null;
});

function askAdministers() {
  if (!administers) {
    administers = api('GET', '/role-changes', { query: { status: 'pending' } }).then(
      () => true,
      (error) => {
        if ([403, 404].includes(error.status)) return false;
        administers = null; // a network failure: ask again next time
        return true; // and let the page's own request say what went wrong
      },
    );
  }
  return administers;
}

/**
 * The pages of the administration section: the not-found page for whoever the API does not
 * treat as an administrator (each page's own requests are refused anyway; this keeps
 * the section one place that others cannot see, even where a read is open to all).
 */
export function AdminOnly({ children }) {
  const [allowed, setAllowed] = useState(null);
  useEffect(() => {
    let live = true;
    askAdministers().then((answer) => live && setAllowed(answer));
    return () => {
      live = false;
    };
  }, []);
  if (allowed === false) return html`<${NotFound} />`;
  return children;
}
