// The case's action buttons: exactly the transitions the API lists in `allowed_actions` for
// the member's side and the case's status, each opening a small form for what it needs
// (a ground for a refusal, a new date for a delay, a reason to submit without an essential).
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, fieldMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { REFUSAL_GROUNDS, actionLabel, groundLabel } from './cases-common.js';

// What each transition takes besides its name (API.md: {action, note?, ground?, new_deadline?}).
const NEEDS = {
  submit: ['missing_essentials_reason'],
  provide_information: ['note'],
  withdraw: ['note'],
  close: ['note'],
  acknowledge: ['note'],
  start_execution: ['note'],
  request_information: ['note'],
  report_delay: ['new_deadline', 'note'],
  execute: ['note'],
  execute_partially: ['note'],
  refuse: ['ground', 'ground_text', 'note'],
  postpone: ['new_deadline', 'note'],
};
const INPUTS = ['note', 'ground', 'ground_text', 'new_deadline', 'missing_essentials_reason'];

function ActionForm({ caseId, action, ready, onDone, onCancel }) {
  const [values, setValues] = useState({ note: '', ground: '', ground_text: '', new_deadline: '', missing_essentials_reason: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);
  useEffect(() => {
    if (heading.current) heading.current.focus();
  }, [action]);
  const needs = NEEDS[action] || ['note'];
  // A reason to submit without an essential is asked only when the API's checks say one fails.
  const shown = needs.filter((name) => name !== 'missing_essentials_reason' || ready === false);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    const body = { action };
    for (const name of shown) if (values[name].trim()) body[name] = values[name].trim();
    try {
      const updated = await api('POST', `/cases/${caseId}/transitions`, { body });
      onDone(updated, action);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = {};
  for (const item of (error && error.errors) || []) {
    const name = String(item.field || '').split('.')[0];
    if (INPUTS.includes(name) && !fields[name]) fields[name] = fieldMessage(item.message);
  }
  const labels = {
    note: t(`cases.actionForm.note.${action}`),
    ground: t('cases.actionForm.ground'),
    ground_text: t('cases.actionForm.groundText'),
    new_deadline: t('cases.actionForm.newDeadline'),
    missing_essentials_reason: t('cases.actionForm.reason'),
  };
  return html`
    <form class="case-action-form" onSubmit=${submit} novalidate aria-labelledby="case-action-heading">
      <h3 id="case-action-heading" tabindex="-1" ref=${heading}>${actionLabel(action)}</h3>
      <p class="hint">${t(`cases.actionForm.explain.${action}`)}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      ${shown.includes('missing_essentials_reason')
        ? html`<div class="notice warning"><p>${t('cases.actionForm.blocking')}</p></div>
            <${Field} as="textarea" name="missing_essentials_reason" label=${labels.missing_essentials_reason}
              hint=${t('cases.actionForm.reasonHint')} error=${fields.missing_essentials_reason}
              value=${values.missing_essentials_reason} onInput=${set('missing_essentials_reason')} rows="3" />`
        : null}
      ${shown.includes('ground')
        ? html`<${Field} as="select" name="ground" label=${labels.ground} error=${fields.ground} value=${values.ground} onInput=${set('ground')}>
            <option value="">${t('cases.actionForm.chooseGround')}</option>
            ${REFUSAL_GROUNDS.map((g) => html`<option key=${g} value=${g}>${groundLabel(g)}</option>`)}
          <//>`
        : null}
      ${shown.includes('ground_text') && values.ground === 'other'
        ? html`<${Field} as="textarea" name="ground_text" label=${labels.ground_text} error=${fields.ground_text}
            value=${values.ground_text} onInput=${set('ground_text')} rows="2" />`
        : null}
      ${shown.includes('new_deadline')
        ? html`<${Field} type="date" name="new_deadline" label=${labels.new_deadline} hint=${t('cases.actionForm.newDeadlineHint')}
            error=${fields.new_deadline} value=${values.new_deadline} onInput=${set('new_deadline')} />`
        : null}
      ${shown.includes('note')
        ? html`<${Field} as="textarea" name="note" label=${labels.note} error=${fields.note}
            optional=${!['report_delay', 'postpone'].includes(action)} value=${values.note} onInput=${set('note')} rows="3" />`
        : null}
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t('cases.actionForm.confirm', { action: actionLabel(action) })}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('cases.actionForm.cancel')}</button>
      </div>
    </form>
  `;
}

/** The buttons, and the form of the one chosen. `ready`: the drafting checks' verdict. */
export function CaseActions({ item, ready, onChanged }) {
  const [open, setOpen] = useState(null);
  const [done, setDone] = useState('');
  const actions = item.allowed_actions || [];
  useEffect(() => {
    if (open && !actions.includes(open)) setOpen(null); // the other side moved the case
  }, [actions.join(',')]);
  if (actions.length === 0 && !done) return null;
  return html`
    <section class="case-actions no-print" aria-labelledby="case-actions-heading">
      <h2 id="case-actions-heading" class="visually-hidden">${t('cases.case.actions')}</h2>
      <p class="visually-hidden" role="status" aria-live="polite">${done}</p>
      ${actions.length
        ? html`<div class="case-action-buttons">
            ${actions.map(
              (action) => html`<button type="button" key=${action}
                class=${['withdraw', 'refuse'].includes(action) ? 'button secondary' : 'button'}
                aria-expanded=${open === action ? 'true' : 'false'} aria-controls="case-action-panel"
                onClick=${() => setOpen(open === action ? null : action)}>${actionLabel(action)}</button>`,
            )}
          </div>`
        : null}
      <div id="case-action-panel">
        ${open
          ? html`<${ActionForm} key=${open} caseId=${item.id} action=${open} ready=${ready}
              onCancel=${() => setOpen(null)}
              onDone=${(updated, action) => {
                setOpen(null);
                setDone(t('cases.actionForm.done', { action: actionLabel(action) }));
                onChanged(updated);
              }} />`
          : null}
      </div>
    </section>
  `;
}
