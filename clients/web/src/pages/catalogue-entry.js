// One catalogue entry (/catalogue/entries/{id}): the public read for every member; to its
// author, the focal points of its authorities and moderators, the API's working detail too
// (status, consent, the personal-data check's flags, review notes) and the buttons of exactly
// the steps the API lists in `allowed_actions`, each with a small form for its note. The
// author's "Edit" follows `submit` (the API allows both in the same states). A published
// entry links to its forum thread for comments. What the member may not see is not found.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDateTime, t } from '../i18n.js';
import { withUnread } from '../session.js';
import { Rendered, loadStates } from './directory-common.js';
import { NotFound } from './notfound.js';
import {
  EntryFacts,
  StatusBadge,
  actionLabel,
  audienceText,
  consentLabel,
  fieldLabel,
  flagLabel,
} from './catalogue-common.js';

// Steps whose note is a reason the API requires; the others take an optional note.
const NOTE_REQUIRED = ['decline', 'request_changes', 'reject'];
const SECONDARY = ['decline', 'reject', 'withdraw', 'withdraw_consent'];

/** Notifications about this entry are read once the member has it open. */
async function markEntryNotificationsRead(entryId) {
  try {
    const body = { subject_type: 'catalogue_entry', subject_id: entryId };
    await withUnread(() => api('POST', '/notifications/read', { body }));
  } catch {
    // the bell's next refresh tries again
  }
}

function useStateNames() {
  const [names, setNames] = useState(new Map());
  useEffect(() => {
    loadStates()
      .then((states) => setNames(new Map(states.map((s) => [s.code, s.name]))))
      .catch(() => {});
  }, []);
  return names;
}

function ActionForm({ entryId, action, onDone, onCancel }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);
  useEffect(() => {
    if (heading.current) heading.current.focus();
  }, [action]);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { action };
    if (note.trim()) body.note = note.trim();
    try {
      onDone(await api('POST', `/catalogue/entries/${entryId}/transitions`, { body }), action);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const errors = fieldErrors(error, ['note']);
  const noteLabel = t(`catalogue.actionForm.note.${action}`);
  return html`
    <form class="cat-action-form" onSubmit=${submit} novalidate aria-labelledby="cat-action-heading">
      <h3 id="cat-action-heading" tabindex="-1" ref=${heading}>${actionLabel(action)}</h3>
      <p class="hint">${t(`catalogue.actionForm.explain.${action}`)}</p>
      <${ErrorSummary} error=${error} fields=${errors} labels=${{ note: noteLabel }} />
      ${action === 'submit'
        ? null
        : html`<${Field} as="textarea" name="note" label=${noteLabel} error=${errors.note} optional=${!NOTE_REQUIRED.includes(action)}
            value=${note} onInput=${setNote} rows="3" maxlength="2000" />`}
      <div class="actions">
        <${Button} type="submit" busy=${busy} disabled=${busy}>${t('catalogue.actionForm.confirm', { action: actionLabel(action) })}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('catalogue.actionForm.cancel')}</button>
      </div>
    </form>
  `;
}

/** The steps the API allows the member now. Submitting waits for the check to pass. */
function EntryActions({ entry, onChanged }) {
  const [open, setOpen] = useState(null);
  const [done, setDone] = useState('');
  const actions = entry.allowed_actions || [];
  useEffect(() => {
    if (open && !actions.includes(open)) setOpen(null);
  }, [actions.join(',')]);
  if (actions.length === 0 && !done) return null;
  const blocked = (action) => action === 'submit' && !entry.ready_to_submit;
  return html`
    <section class="cat-actions" aria-labelledby="cat-actions-heading">
      <h2 id="cat-actions-heading">${t('catalogue.entry.actions')}</h2>
      <p class="visually-hidden" role="status" aria-live="polite">${done}</p>
      ${actions.includes('submit')
        ? html`<p><a class="button secondary" href=${`/catalogue/entries/${entry.id}/edit`}>${t('catalogue.entry.edit')}</a></p>`
        : null}
      ${actions.includes('submit') && !entry.ready_to_submit
        ? html`<p class="notice warning" id="cat-submit-blocked">${t('catalogue.entry.submitBlocked')}</p>`
        : null}
      <div class="cat-action-buttons">
        ${actions.map(
          (action) => html`<button type="button" key=${action}
            class=${SECONDARY.includes(action) ? 'button secondary' : 'button'}
            disabled=${blocked(action)} aria-describedby=${blocked(action) ? 'cat-submit-blocked' : undefined}
            aria-expanded=${open === action ? 'true' : 'false'} aria-controls="cat-action-panel"
            onClick=${() => setOpen(open === action ? null : action)}>${actionLabel(action)}</button>`,
        )}
      </div>
      <div id="cat-action-panel">
        ${open
          ? html`<${ActionForm} key=${open} entryId=${entry.id} action=${open} onCancel=${() => setOpen(null)}
              onDone=${(updated, action) => {
                setOpen(null);
                setDone(t('catalogue.actionForm.done', { action: actionLabel(action) }));
                onChanged(updated);
              }} />`
          : null}
      </div>
    </section>
  `;
}

/** The personal-data check's findings, for those who work on the entry (read-only here). */
export function FlagList({ flags }) {
  if (!flags || flags.length === 0) return html`<p>${t('catalogue.flags.none')}</p>`;
  return html`<ul class="cat-flag-list">
    ${flags.map(
      (flag) => html`<li key=${flag.id} class="cat-flag">
        <strong>${fieldLabel(flag.field)}:</strong> ${flagLabel(flag.kind)}${flag.match ? html` – <q>${flag.match}</q>` : null}
        <br />
        ${flag.justification
          ? html`<span class="badge cat-flag-ok">${t('catalogue.flags.justified')}</span> ${flag.justification}`
          : html`<span class="badge cat-flag-open">${flag.justifiable ? t('catalogue.flags.open') : t('catalogue.flags.remove')}</span>`}
      </li>`,
    )}
  </ul>`;
}

function WorkPanel({ entry }) {
  const row = (term, value) => html`<div class="cat-fact"><dt>${term}</dt><dd>${value}</dd></div>`;
  return html`
    <section class="cat-panel-section" aria-labelledby="work-heading">
      <h2 id="work-heading">${t('catalogue.entry.work')}</h2>
      <dl class="cat-facts">
        ${row(t('catalogue.entry.status'), html`<${StatusBadge} status=${entry.status} />`)}
        ${row(t('catalogue.entry.consent'), consentLabel(entry.consent))}
        ${entry.author ? row(t('catalogue.entry.author'), entry.author.full_name || entry.author.handle || '') : null}
        ${row(t('catalogue.entry.created'), html`<time datetime=${entry.created_at}>${formatDateTime(entry.created_at)}</time>`)}
        ${row(t('catalogue.entry.updated'), html`<time datetime=${entry.updated_at}>${formatDateTime(entry.updated_at)}</time>`)}
      </dl>
      <h3>${t('catalogue.flags.title')}</h3>
      <${FlagList} flags=${entry.flags} />
    </section>
  `;
}

function Text({ id, title, rendered }) {
  if (!rendered) return null;
  return html`<section aria-labelledby=${id} class="cat-text">
    <h2 id=${id}>${title}</h2>
    <${Rendered} html=${rendered} />
  </section>`;
}

export function EntryPage({ params }) {
  const entryId = params.id;
  const [entry, setEntry] = useState(null);
  const [error, setError] = useState(null);
  const names = useStateNames();
  const load = () =>
    api('GET', `/catalogue/entries/${entryId}`)
      .then((found) => {
        setEntry(found);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    setEntry(null);
    setError(null);
    load().then(() => markEntryNotificationsRead(entryId));
  }, [entryId]);

  if (error && error.status === 404) return html`<${NotFound} />`;
  if (error && !entry) {
    return html`<${Page} title=${t('catalogue.entry.loading')}><div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div><//>`;
  }
  if (!entry) return html`<${Page} title=${t('catalogue.entry.loading')}><${Skeleton} rows=${6} /><//>`;
  const working = 'status' in entry;
  return html`
    <${Page} title=${entry.title}>
      <nav class="breadcrumbs" aria-label=${t('catalogue.entry.breadcrumbs')}>
        <a href="/catalogue">${t('catalogue.browse.title')}</a> › <span aria-current="page">${entry.title}</span>
      </nav>
      <p class="cat-status-line">
        ${working ? html`<${StatusBadge} status=${entry.status} />` : null}
        <span class="badge">${t(`catalogue.kind.${entry.kind}`)}</span>
      </p>
      <p class="cat-audience"><span class="audience-label">${t('catalogue.audience.label')}</span> ${audienceText(entry)}</p>
      ${entry.declined_reason && entry.status === 'declined'
        ? html`<div class="notice warning"><p><strong>${t('catalogue.entry.declined')}</strong> ${entry.declined_reason}</p></div>`
        : null}
      ${entry.review_note && ['changes_requested', 'rejected'].includes(entry.status)
        ? html`<div class="notice warning"><p><strong>${t(`catalogue.entry.review.${entry.status}`)}</strong> ${entry.review_note}</p></div>`
        : null}
      ${entry.withdrawal_reason && entry.status === 'withdrawn'
        ? html`<div class="notice warning"><p><strong>${t('catalogue.entry.withdrawn')}</strong> ${entry.withdrawal_reason}</p></div>`
        : null}
      ${working ? html`<${EntryActions} entry=${entry} onChanged=${(updated) => setEntry(updated)} />` : null}
      <div class="cat-layout">
        <div class="cat-main">
          <${Text} id="summary-heading" title=${t('catalogue.field.summary')} rendered=${entry.summary_html} />
          <${Text} id="obstacles-heading" title=${t('catalogue.field.obstacles')} rendered=${entry.obstacles_html} />
          <${Text} id="solutions-heading" title=${t('catalogue.field.solutions')} rendered=${entry.solutions_html} />
          <${Text} id="lessons-heading" title=${t('catalogue.field.lessons')} rendered=${entry.lessons_html} />
          <section aria-labelledby="discussion-heading" class="cat-text">
            <h2 id="discussion-heading">${t('catalogue.entry.discussion')}</h2>
            ${entry.discussion
              ? html`<p><a href=${entry.discussion.link}>${t('catalogue.entry.discuss')}</a></p>`
              : html`<p class="meta">${t('catalogue.entry.noDiscussion')}</p>`}
          </section>
        </div>
        <div class="cat-side">
          <section class="cat-panel-section" aria-labelledby="facts-heading">
            <h2 id="facts-heading">${t('catalogue.entry.facts')}</h2>
            <${EntryFacts} entry=${entry} names=${names} />
          </section>
          ${working ? html`<${WorkPanel} entry=${entry} />` : null}
        </div>
      </div>
    <//>
  `;
}
