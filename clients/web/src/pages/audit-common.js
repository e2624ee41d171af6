// What the audit pages share: the search filters and their address, times, outcomes, who
// acted, authority names, the public key, and the rule that a page the API refuses (403 to
// non-auditors) is the not-found page like any other.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { html } from '../html.js';
import { formatDateTime, language, relativeTime, t } from '../i18n.js';

/** The API's filters (GET /audit/events), under the same names in the client's address. */
export const FILTERS = ['action', 'outcome', 'actor_id', 'target_type', 'target_id', 'authority', 'since', 'until'];
export const TIME_FILTERS = ['since', 'until'];
export const OUTCOMES = ['success', 'denied', 'failed'];
const OUTCOME_LABELS = {
  success: 'audit.outcome.success',
  denied: 'audit.outcome.denied',
  failed: 'audit.outcome.failed',
};

export function filtersFrom(query) {
  return Object.fromEntries(FILTERS.map((name) => [name, (query.get(name) || '').trim()]));
}

/** "?action=case.&since=..." for the filters that are set ('' when none). */
export function queryOf(filters, names = FILTERS) {
  const params = new URLSearchParams();
  for (const name of names) {
    const value = (filters[name] || '').trim();
    if (value) params.set(name, value);
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** A 403 (not an auditor) or a 404 shows the one not-found page; so does a malformed id. */
export function isHidden(error) {
  return Boolean(error && [403, 404, 422].includes(error.status));
}

function timeText(iso) {
  return Number.isNaN(new Date(iso).getTime()) ? iso : formatDateTime(iso);
}

/** The filters in force, in words, for the results line and the empty state. */
export function describeFilters(filters, names, items = []) {
  const parts = [];
  if (filters.action) parts.push(t('audit.describe.action', { action: filters.action }));
  if (filters.outcome) parts.push(t('audit.describe.outcome', { outcome: outcomeLabel(filters.outcome) }));
  if (filters.actor_id) {
    // The handle the member had when they acted, where a listed entry records it.
    const known = (items || []).find((e) => e.actor_user_id === filters.actor_id && e.actor_handle);
    parts.push(known ? t('audit.describe.actorHandle', { handle: known.actor_handle }) : t('audit.describe.actor', { id: filters.actor_id }));
  }
  if (filters.target_type || filters.target_id) {
    parts.push(t('audit.describe.target', { type: filters.target_type || '*', id: filters.target_id || '*' }));
  }
  if (filters.authority) parts.push(t('audit.describe.authority', { authority: authorityLabel(names, filters.authority) }));
  if (filters.since) parts.push(t('audit.describe.since', { time: timeText(filters.since) }));
  if (filters.until) parts.push(t('audit.describe.until', { time: timeText(filters.until) }));
  return parts.join('; ');
}

export function outcomeLabel(outcome) {
  return OUTCOME_LABELS[outcome] ? t(OUTCOME_LABELS[outcome]) : outcome;
}

/** The outcome in words, never by colour alone. */
export function Outcome({ outcome }) {
  return html`<span class=${`badge audit-outcome audit-outcome-${outcome}`}>${outcomeLabel(outcome)}</span>`;
}

/** To the second: many entries fall within one minute. */
export function formatSeconds(iso) {
  return new Intl.DateTimeFormat(language.value, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

export function When({ iso }) {
  return html`<time datetime=${iso}>${formatSeconds(iso)}</time> <span class="meta">(${relativeTime(iso)})</span>`;
}

/** The member's time zone, said aloud next to every date field. */
export function timeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const pad = (n) => String(n).padStart(2, '0');

/** An ISO time from the address -> the value of a datetime-local field, in local time. */
export function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time, no zone) -> an ISO time in UTC for the API. */
export function isoOf(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** Who acted, as the entry recorded them when they acted. */
export function actorText(entry) {
  if (entry.actor_handle) return `${entry.actor_name || ''} (@${entry.actor_handle})`.trim();
  if (entry.actor_user_id) return t('audit.actor.unnamed');
  return t('audit.actor.system');
}

/** Every authority's name by id (GET /directory/authority-names), for filters and entries. */
export function useAuthorityNames() {
  const [names, setNames] = useState(null);
  useEffect(() => {
    let live = true;
    api('GET', '/directory/authority-names')
      .then((list) => live && setNames(list))
      .catch(() => live && setNames([]));
    return () => {
      live = false;
    };
  }, []);
  return names;
}

export function authorityLabel(names, id) {
  const found = (names || []).find((a) => a.id === id);
  return found ? `${found.name} (${found.state_name})` : id;
}

/** Text that is code (hashes, ids, JSON): left to right even on a right-to-left page. */
export function Code({ children }) {
  return html`<code class="audit-code" dir="ltr">${children}</code>`;
}

/** The checkpoint key's public half: its id, the PEM, and a download of audit-public.pem. */
export function PublicKey({ answer }) {
  const download = () => {
    // A few hundred bytes: built in the page, unlike exports, which stream to disk.
    const url = URL.createObjectURL(new Blob([answer.public_key_pem], { type: 'application/x-pem-file' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'audit-public.pem';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return html`
    <dl class="facts">
      <div><dt>${t('audit.key.id')}</dt><dd><${Code}>${answer.key_id}<//></dd></div>
    </dl>
    <pre class="audit-pre" dir="ltr" tabindex="0" aria-label=${t('audit.key.pemLabel')}>${answer.public_key_pem}</pre>
    <div class="actions">
      <button type="button" class="button secondary" onClick=${download}>${t('audit.key.download')}</button>
    </div>
  `;
}

/** GET /audit/public-key once; {answer, error}. */
export function usePublicKey() {
  const [state, setState] = useState({ answer: null, error: null });
  useEffect(() => {
    let live = true;
    api('GET', '/audit/public-key')
      .then((answer) => live && setState({ answer, error: null }))
      .catch((error) => live && setState({ answer: null, error }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export function AuditLinks({ current }) {
  const links = [
    ['/audit', 'audit.search.title'],
    ['/audit/export', 'audit.export.title'],
    ['/audit/verify', 'audit.verify.title'],
    ['/audit/how-to-verify', 'audit.howto.title'],
  ];
  return html`
    <nav class="filter-tabs audit-tabs" aria-label=${t('audit.tabs')}>
      <ul>
        ${links.map(
          ([href, label]) => html`<li key=${href}>
            <a href=${href} aria-current=${href === current ? 'page' : undefined}>${t(label)}</a>
          </li>`,
        )}
      </ul>
    </nav>
  `;
}
