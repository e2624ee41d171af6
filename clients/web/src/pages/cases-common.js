// What the case pages share: the API's vocabularies in words, dates and deadlines, badges
// that say what they mean in text, authority names, and live refreshes of a case.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { html } from '../html.js';
import { formatDate, formatDateTime, relativeTime, t } from '../i18n.js';
import { subscribe } from '../live.js';
import { onSignOut } from '../session.js';

// The API's fixed values (API.md "Values"; app/cases/constants.py), in its order.
export const CASE_TYPES = ['mla', 'extradition', 'transfer_of_sentenced_persons', 'transfer_of_proceedings', 'confiscation', 'other'];
export const STATUSES = [
  'draft',
  'submitted',
  'received',
  'acknowledged',
  'in_execution',
  'information_requested',
  'executed',
  'partially_executed',
  'refused',
  'postponed',
  'withdrawn',
  'closed',
];
export const LEGAL_BASES = ['untoc_art18', 'untoc_art16', 'treaty', 'reciprocity', 'other'];
export const REFUSAL_GROUNDS = [
  'not_in_accordance_with_convention',
  'sovereignty_security_ordre_public',
  'domestic_law_prohibits',
  'contrary_to_legal_system',
  'absence_of_dual_criminality',
  'fiscal_matters',
  'discrimination',
  'political_offence',
  'nationality',
  'statute_of_limitations',
  'ne_bis_in_idem',
  'death_penalty',
  'other',
];
export const HANDLING_CODES = ['H0', 'H1', 'H2', 'H3'];
// Every event of a case (data carries case_id); realtime sends each only to its participants.
export const CASE_EVENTS = [
  'case.created',
  'case.transitioned',
  'case.message.created',
  'case.attachment.created',
  'case.participant.invited',
];

/** A value of a vocabulary in words; the raw value where the catalog lacks it. */
function label(prefix, value) {
  const key = `cases.${prefix}.${value}`;
  const text = t(key);
  return text === key ? String(value).replace(/_/g, ' ') : text;
}

export const statusLabel = (value) => label('status', value);
export const typeLabel = (value) => label('type', value);
export const basisLabel = (value) => label('basis', value);
export const groundLabel = (value) => label('ground', value);
export const actionLabel = (value) => label('action', value);
export const sideLabel = (value) => label('side', value);
export const handlingLabel = (value) => label('handling', value);
export const checkLabel = (value) => label('check', value);

/** "12 March 2026, 14:05 CET (3 days ago)". */
export function When({ iso }) {
  if (!iso) return null;
  return html`<time datetime=${iso}>${formatDateTime(iso)}</time> <span class="meta">(${relativeTime(iso)})</span>`;
}

/** A due date (a calendar day, counted in UTC by the server): "12 March 2026 (UTC, in 3 days)". */
export function DueDate({ day }) {
  if (!day) return html`<span class="meta">${t('cases.deadline.none')}</span>`;
  const noon = `${day}T12:00:00Z`;
  return html`<time datetime=${day}>${formatDate(noon)}</time> <span class="meta">(${t('cases.deadline.utc', { relative: relativeTime(`${day}T23:59:59Z`) })})</span>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge case-status case-status-${status}`}><span class="visually-hidden">${t('cases.statusPrefix')} </span>${statusLabel(status)}</span>`;
}

/** Overdue or near its deadline, in words: the API says which (overdue, deadline_near). */
export function DeadlineFlag({ item }) {
  if (item.overdue) return html`<span class="badge case-flag case-overdue">${t('cases.flag.overdue')}</span>`;
  if (item.deadline_near) return html`<span class="badge case-flag case-near">${t('cases.flag.near')}</span>`;
  return null;
}

/** A message's handling code as a badge with its meaning in words (never colour alone). */
export function HandlingBadge({ code }) {
  if (!code) return null;
  return html`<span class=${`badge case-handling case-handling-${code}`}>${t('cases.handling.badge', { code, meaning: handlingLabel(code) })}</span>`;
}

export function bytes(size) {
  if (size < 1024) return t('cases.size.bytes', { count: size });
  if (size < 1024 * 1024) return t('cases.size.kb', { size: (size / 1024).toFixed(1) });
  return t('cases.size.mb', { size: (size / (1024 * 1024)).toFixed(1) });
}

// Authorities by id, fetched once per session (names of the parties and counterparts).
const authorities = new Map();
onSignOut(() => authorities.clear());

export function loadAuthority(id) {
  if (!id) return Promise.resolve(null);
  if (!authorities.has(id)) {
    authorities.set(
      id,
      api('GET', `/authorities/${id}`).catch(() => {
        authorities.delete(id);
        return null;
      }),
    );
  }
  return authorities.get(id);
}

/** {id: authority} for the ids given, filled in as the answers come. */
export function useAuthorities(ids) {
  const [found, setFound] = useState({});
  const wanted = [...new Set(ids.filter(Boolean))].sort();
  const key = wanted.join(',');
  useEffect(() => {
    let live = true;
    Promise.all(wanted.map((id) => loadAuthority(id).then((a) => [id, a]))).then((pairs) => {
      if (live) setFound(Object.fromEntries(pairs.filter(([, a]) => a)));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return found;
}

/** "Ministero della Giustizia (Italy)", or a neutral word while it loads. */
export function authorityText(authority) {
  if (!authority) return t('cases.authority.unknown');
  return t('cases.authority.withState', { name: authority.name, state: authority.state_name || authority.state_code });
}

const LIVE_DELAY_MS = 400;

/**
 * Calls refresh(message, events) shortly after live events of the case (or every case event
 * when caseId is null) and after a reset; a burst of events makes one refresh, with the last
 * message and the set of the burst's event names.
 */
export function useCaseLive(caseId, refresh) {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let timer = null;
    let burst = new Set();
    const stop = subscribe(CASE_EVENTS, (message) => {
      const data = message.data || {};
      if (message.event !== 'reset' && caseId && String(data.case_id) !== String(caseId)) return;
      burst.add(message.event);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const events = burst;
        burst = new Set();
        latest.current(message, events);
      }, LIVE_DELAY_MS);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [caseId]);
}

/** Unread notifications about new messages, by case id (the API keeps no per-case marker). */
export async function unreadMessagesByCase() {
  const counts = {};
  const page = await api('GET', '/notifications', { query: { unread: true, limit: 100 } });
  for (const item of page.items) {
    if (item.subject_type === 'case' && item.data && item.data.message_id) {
      counts[item.subject_id] = (counts[item.subject_id] || 0) + 1;
    }
  }
  return counts;
}
