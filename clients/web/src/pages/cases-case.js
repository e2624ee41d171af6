// One case (/cases/{id}): reference, parties, type, urgency, status, deadline and overdue flag,
// who can see it; the actions the API allows the member's side now; the request, its
// messages and files; the timeline with its receipts; the legal hold; observers; the case
// file to download.
// What the member may not see is the not-found page, the same as a case that does not exist.
// The page follows the case live: when the other side acts, it reloads what it shows.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { me, withUnread } from '../session.js';
import { languageList, measureLabel } from './directory-common.js';
import { NotFound } from './notfound.js';
import { CaseActions } from './cases-actions.js';
import { CaseAttachments } from './cases-attachments.js';
import {
  DeadlineFlag,
  DueDate,
  StatusBadge,
  When,
  actionLabel,
  authorityText,
  basisLabel,
  groundLabel,
  sideLabel,
  statusLabel,
  typeLabel,
  useAuthorities,
  useCaseLive,
} from './cases-common.js';
import { DraftEditor } from './cases-draft.js';
import { CaseMessages } from './cases-messages.js';
import { CaseLegalHold } from './cases-hold.js';
import { CaseParticipants } from './cases-participants.js';
import { CatalogueNomination } from './catalogue-nominate.js';

/** What an action did, for the timeline: "Receipt acknowledged". */
function doneLabel(action) {
  const key = `cases.timeline.action.${action}`;
  const text = t(key);
  return text === key ? actionLabel(action) : text;
}

/** Who can see the case, in words (WEB.md: always visible). */
function audienceText(item, names) {
  const requesting = authorityText(names[item.requesting_authority_id]);
  const requested = authorityText(names[item.requested_authority_id]);
  if (item.status === 'draft' && !item.shared_for_consultation) return t('cases.audience.draft', { requesting });
  const base = item.status === 'draft' ? t('cases.audience.sharedDraft', { requesting, requested }) : t('cases.audience.both', { requesting, requested });
  const restricted = item.restricted ? ` ${t('cases.audience.restricted')}` : '';
  return `${base}${restricted} ${t('cases.audience.observers')}`;
}

function entryText(entry, people) {
  const data = entry.data || {};
  const who = (id) => people[id] || data.full_name || t('cases.observers.someone');
  switch (entry.kind) {
    case 'created':
      return t('cases.timeline.created');
    case 'receipt':
      return t('cases.timeline.received');
    case 'transition':
      return t('cases.timeline.transition', { action: doneLabel(entry.action), from: statusLabel(entry.from_status), to: statusLabel(entry.to_status) });
    case 'deadline_notice':
      return t('cases.timeline.delay', {
        action: doneLabel(entry.action),
        date: data.new_deadline ? formatDate(`${data.new_deadline}T12:00:00Z`) : '',
      });
    case 'draft_shared':
      return t('cases.timeline.shared');
    case 'draft_unshared':
      return t('cases.timeline.unshared');
    case 'participant_invited':
      return data.role === 'assigned'
        ? t('cases.timeline.assigned', { name: who(data.user_id) })
        : t('cases.timeline.invited', { name: who(data.user_id), date: data.expires_at ? formatDate(data.expires_at) : '' });
    case 'participant_removed':
      return t('cases.timeline.removed', { name: who(data.user_id) });
    case 'participant_expired':
      return t('cases.timeline.expired', { name: who(data.user_id) });
    case 'overdue':
      return t('cases.timeline.overdue');
    case 'attachment_deleted':
      return t('cases.timeline.fileDeleted');
    case 'attachments_purged':
      return t('cases.timeline.filesPurged', { count: data.count || 0 });
    case 'legal_hold_set':
      return t('cases.timeline.holdSet', { side: sideLabel(data.side) });
    case 'legal_hold_released':
      return t('cases.timeline.holdReleased');
    default:
      return entry.kind.replace(/_/g, ' ');
  }
}

function Timeline({ entries, error, people, names }) {
  let body;
  if (error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!entries) body = html`<${Skeleton} rows=${3} />`;
  else {
    body = html`<ol class="case-timeline">
      ${entries.map(
        (entry, i) => html`<li key=${entry.id || `derived-${i}`} class=${entry.receipt ? 'case-event case-receipt' : 'case-event'}>
          <p class="case-event-what">
            ${entry.receipt ? html`<span class="badge case-receipt-mark">${t('cases.timeline.receipt')}</span> ` : null}
            <strong>${entryText(entry, people)}</strong>
          </p>
          <p class="meta">
            ${entry.actor_name
              ? t('cases.timeline.by', {
                  name: entry.actor_name,
                  authority: entry.actor_authority_id ? authorityText(names[entry.actor_authority_id]) : '',
                })
              : t('cases.timeline.bySystem')}${' · '}<${When} iso=${entry.created_at} />
          </p>
          ${entry.data && entry.data.ground ? html`<p>${t('cases.timeline.ground', { ground: groundLabel(entry.data.ground) })}</p>` : null}
          ${entry.note ? html`<p class="case-event-note">${entry.note}</p>` : null}
        </li>`,
      )}
    </ol>`;
  }
  return html`
    <section aria-labelledby="timeline-heading" class="case-section">
      <h2 id="timeline-heading">${t('cases.timeline.title')}</h2>
      ${body}
    </section>
  `;
}

function List({ items, empty, label = (x) => x }) {
  if (!items || items.length === 0) return html`<span class="meta">${empty}</span>`;
  return html`<ul class="case-plain">${items.map((x, i) => html`<li key=${i}>${label(x)}</li>`)}</ul>`;
}

function Request({ item }) {
  const basis = item.legal_basis || {};
  return html`
    <section aria-labelledby="request-heading" class="case-section">
      <h2 id="request-heading">${t('cases.case.request')}</h2>
      <dl class="case-facts case-request">
        <div><dt>${t('cases.field.summary')}</dt><dd class="case-text">${item.summary || html`<span class="meta">${t('cases.notStated')}</span>`}</dd></div>
        <div><dt>${t('cases.field.legalBasis')}</dt><dd>${basisLabel(basis.kind)}${basis.text ? html`: ${basis.text}` : null}</dd></div>
        <div><dt>${t('cases.field.offences')}</dt><dd><${List} items=${item.offences} empty=${t('cases.notStated')} /></dd></div>
        <div><dt>${t('cases.field.measures')}</dt><dd><${List} items=${item.measures} empty=${t('cases.notStated')} label=${measureLabel} /></dd></div>
        <div><dt>${t('cases.field.persons')}</dt><dd><${List} items=${item.persons} empty=${t('cases.notStated')}
          label=${(p) => `${p.name} (${p.role})${p.nationality ? `, ${p.nationality}` : ''}${p.birth_date ? `, ${formatDate(`${p.birth_date}T12:00:00Z`)}` : ''}`} /></dd></div>
        <div><dt>${t('cases.field.languages')}</dt><dd>${item.languages.length ? languageList(item.languages) : t('cases.notStated')}</dd></div>
        ${item.urgency_reason ? html`<div><dt>${t('cases.field.urgencyReason')}</dt><dd class="case-text">${item.urgency_reason}</dd></div>` : null}
        ${item.deadline_reason ? html`<div><dt>${t('cases.field.deadlineReason')}</dt><dd class="case-text">${item.deadline_reason}</dd></div>` : null}
        ${item.missing_essentials_reason
          ? html`<div><dt>${t('cases.case.missingReason')}</dt><dd class="case-text">${item.missing_essentials_reason}</dd></div>`
          : null}
        ${item.refusal_ground
          ? html`<div><dt>${t('cases.case.refusalGround')}</dt><dd>${groundLabel(item.refusal_ground)}${item.refusal_ground_text ? `: ${item.refusal_ground_text}` : ''}</dd></div>`
          : null}
      </dl>
    </section>
  `;
}

function Facts({ item, names }) {
  const row = (term, value) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`;
  return html`
    <section aria-labelledby="facts-heading" class="case-panel-section">
      <h2 id="facts-heading">${t('cases.case.facts')}</h2>
      <dl class="case-facts">
        ${row(t('cases.case.requesting'), authorityText(names[item.requesting_authority_id]))}
        ${row(t('cases.case.requested'), authorityText(names[item.requested_authority_id]))}
        ${row(t('cases.field.type'), typeLabel(item.type))}
        ${row(t('cases.field.urgency'), item.urgency === 'urgent' ? t('cases.urgency.urgent') : t('cases.urgency.normal'))}
        ${row(t('cases.case.status'), html`<${StatusBadge} status=${item.status} />`)}
        ${row(t('cases.case.dueDate'), html`<${DueDate} day=${item.due_date} /> <${DeadlineFlag} item=${item} />`)}
        ${item.deadline && item.expected_date ? row(t('cases.case.deadline'), html`<${DueDate} day=${item.deadline} />`) : null}
        ${item.submitted_at ? row(t('cases.case.submittedAt'), html`<${When} iso=${item.submitted_at} />`) : null}
        ${item.received_at ? row(t('cases.case.receivedAt'), html`<${When} iso=${item.received_at} />`) : null}
        ${item.acknowledged_at ? row(t('cases.case.acknowledgedAt'), html`<${When} iso=${item.acknowledged_at} />`) : null}
        ${item.closed_at ? row(t('cases.case.closedAt'), html`<${When} iso=${item.closed_at} />`) : null}
        ${row(t('cases.case.confidential'), item.confidential ? t('cases.case.confidentialYes') : t('cases.case.confidentialNo'))}
        ${item.requesting_reference ? row(t('cases.case.requestingReference'), item.requesting_reference) : null}
        ${item.requested_reference ? row(t('cases.case.requestedReference'), item.requested_reference) : null}
      </dl>
    </section>
  `;
}

/** Notifications about this case are read once the member has the case open. */
async function markCaseNotificationsRead(caseId) {
  try {
    const body = { subject_type: 'case', subject_id: caseId };
    await withUnread(() => api('POST', '/notifications/read', { body }));
  } catch {
    // the bell's next refresh tries again
  }
}

export function CasePage({ params }) {
  const caseId = params.id;
  const [item, setItem] = useState(null);
  const [error, setError] = useState(null);
  const [round, setRound] = useState(0);
  const [arrived, setArrived] = useState(0);
  const [timeline, setTimeline] = useState(null);
  const [timelineError, setTimelineError] = useState(null);
  const [participants, setParticipants] = useState([]);
  const [announcement, setAnnouncement] = useState('');
  const [dirty, setDirty] = useState(false);
  const statusRef = useRef(null);

  const loadCase = () =>
    api('GET', `/cases/${caseId}`)
      .then((found) => {
        setItem(found);
        setError(null);
        return found;
      })
      .catch((problem) => {
        setError(problem);
        return null;
      });
  const loadTimeline = () =>
    api('GET', `/cases/${caseId}/timeline`)
      .then((entries) => {
        setTimeline(entries);
        setTimelineError(null);
      })
      .catch(setTimelineError);

  useEffect(() => {
    setItem(null);
    setError(null);
    setTimeline(null);
    loadCase().then((found) => {
      if (found) {
        loadTimeline();
        markCaseNotificationsRead(caseId);
      }
    });
  }, [caseId]);

  /** After the member's own change or the other side's: everything shown again. */
  const refresh = async (updated = null) => {
    const found = updated || (await loadCase());
    if (updated) setItem(updated);
    if (!found) return;
    loadTimeline();
    setRound((n) => n + 1);
  };

  // A message (ours, or new ones) changes no timeline entry, only the case's actions (a
  // consultation): then the case and the new messages only. Anything else in the burst:
  // everything shown again.
  useCaseLive(caseId, async (message, events) => {
    const before = statusRef.current;
    const found = await loadCase();
    if (!found) return;
    if ([...events].every((name) => name === 'case.message.created')) {
      setArrived((n) => n + 1);
    } else {
      loadTimeline();
      setRound((n) => n + 1);
    }
    if (events.has('case.message.created')) markCaseNotificationsRead(caseId);
    setAnnouncement(
      found.status !== before ? t('cases.case.liveStatus', { status: statusLabel(found.status) }) : t('cases.case.liveUpdated'),
    );
  });
  statusRef.current = item ? item.status : null;

  const names = useAuthorities(
    item ? [item.requesting_authority_id, item.requested_authority_id, ...(timeline || []).map((e) => e.actor_authority_id)] : [],
  );

  if (error && error.status === 404) return html`<${NotFound} />`;
  if (error && !item) {
    return html`<${Page} title=${t('cases.case.loading')}><div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div><//>`;
  }
  if (!item) return html`<${Page} title=${t('cases.case.loading')}><${Skeleton} rows=${6} /><//>`;

  const member = me.value;
  const people = {};
  for (const entry of timeline || []) if (entry.actor_user_id && entry.actor_name) people[entry.actor_user_id] = entry.actor_name;
  for (const p of participants) if (p.full_name) people[p.user_id] = p.full_name;
  if (member) people[member.id] = member.full_name;
  const editingDraft = item.status === 'draft' && item.side === 'requesting';
  const ready = item.drafting ? item.drafting.ready : null;
  const actions = html`<${CaseActions} item=${item} ready=${ready} onChanged=${(updated) => refresh(updated)} />`;

  return html`
    <${Page} title=${`${item.reference}: ${item.title}`}>
      <div class="case-print-header" aria-hidden="true">${item.reference}${item.confidential ? ` · ${t('cases.case.confidentialYes')}` : ''}</div>
      <nav class="breadcrumbs no-print" aria-label=${t('cases.case.breadcrumbs')}>
        <a href="/cases">${t('cases.inbox.title')}</a> › <span aria-current="page">${item.reference}</span>
      </nav>
      <p class="case-status-line">
        <${StatusBadge} status=${item.status} />
        <${DeadlineFlag} item=${item} />
        ${item.urgency === 'urgent' ? html`<span class="badge">${t('cases.urgency.urgent')}</span>` : null}
        ${item.confidential ? html`<span class="badge">${t('cases.case.confidentialYes')}</span>` : null}
        <span class="meta">${item.side === 'observer' ? t('cases.case.youObserve') : t('cases.case.yourSide', { side: sideLabel(item.side) })}</span>
      </p>
      <p class="case-audience"><span class="audience-label">${t('cases.audience.label')}</span> ${audienceText(item, names)}</p>
      <p class="visually-hidden" role="status" aria-live="polite">${announcement}</p>
      ${editingDraft ? null : actions}
      <div class=${editingDraft ? 'case-layout case-layout-single' : 'case-layout'}>
        <div class="case-main">
          ${editingDraft
            ? html`
                <${DraftEditor} key=${item.id} item=${item} authority=${names[item.requested_authority_id]} round=${round}
                  onSaved=${(updated) => refresh(updated)} onDirty=${setDirty} />
                ${dirty ? html`<div class="notice warning" role="status"><p>${t('cases.draft.unsaved')}</p></div>` : null}
                ${actions}
              `
            : html`<${Request} item=${item} />`}
          <${CaseMessages} caseId=${caseId} side=${item.side} round=${round} arrived=${arrived} onPosted=${loadCase} />
          <${CaseAttachments} caseId=${caseId} round=${round} people=${people} canUpload=${true}
            onUploaded=${() => refresh()} onChanged=${() => refresh()} />
          <${Timeline} entries=${timeline} error=${timelineError} people=${people} names=${names} />
        </div>
        <div class="case-side">
          <${Facts} item=${item} names=${names} />
          <${CaseLegalHold} item=${item} people=${people} onChanged=${(updated) => refresh(updated)} />
          <${CaseParticipants} caseId=${caseId} round=${round} manage=${item.may_manage_participants}
            onLoaded=${setParticipants} onChanged=${() => refresh()} />
          ${item.status === 'closed' ? html`<${CatalogueNomination} caseId=${caseId} round=${round} />` : null}
          <section aria-labelledby="file-heading" class="case-panel-section no-print">
            <h2 id="file-heading">${t('cases.case.file')}</h2>
            <p>${t('cases.case.fileIntro')}</p>
            <p><a class="button secondary" href=${`/api/v1/cases/${caseId}/export`} download=${`${item.reference}.json`}>${t('cases.case.export')}</a></p>
            <p><button type="button" class="link-button" onClick=${() => window.print()}>${t('cases.case.print')}</button></p>
          </section>
        </div>
      </div>
    <//>
  `;
}
