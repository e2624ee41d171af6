// The case's legal hold: whether one stands (placed by which side, when, why), and placing or
// releasing it with a reason when the case read offers it (`legal_hold_actions`). While a
// hold stands no file of the case can be deleted or purged; the API decides who may act.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, fieldMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { When, sideLabel } from './cases-common.js';

function HoldForm({ caseId, action, onDone, onCancel }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);
  useEffect(() => {
    if (heading.current) heading.current.focus();
  }, []);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const updated = await api(action === 'set' ? 'POST' : 'DELETE', `/cases/${caseId}/legal-hold`, { body: { reason: reason.trim() } });
      onDone(updated);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = {};
  for (const item of (error && error.errors) || []) {
    if (String(item.field || '').startsWith('reason') && !fields.reason) fields.reason = fieldMessage(item.message);
  }
  const label = t('cases.hold.reasonLabel');
  return html`
    <form class="case-hold-form no-print" onSubmit=${submit} novalidate aria-labelledby="hold-form-heading">
      <h3 id="hold-form-heading" tabindex="-1" ref=${heading}>${t(`cases.hold.${action}`)}</h3>
      <p class="hint">${t(`cases.hold.${action}Explain`)}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ reason: label }} />
      <${Field} as="textarea" name="legal-hold-reason" label=${label} error=${fields.reason}
        value=${reason} onInput=${setReason} rows="3" maxlength="2000" />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t(`cases.hold.${action}`)}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('cases.hold.cancel')}</button>
      </div>
    </form>
  `;
}

/** `item`: the case read; `people`: member ids to names; `onChanged(updatedCase)`. */
export function CaseLegalHold({ item, people, onChanged }) {
  const [open, setOpen] = useState(null);
  const [done, setDone] = useState('');
  const hold = item.legal_hold;
  const actions = item.legal_hold_actions || [];
  if (!hold && actions.length === 0 && !done) return null;
  const who = hold && hold.set_by ? people[hold.set_by] : null;
  return html`
    <section aria-labelledby="hold-heading" class="case-panel-section case-hold">
      <h2 id="hold-heading">${t('cases.hold.title')}</h2>
      <p class="visually-hidden" role="status" aria-live="polite">${done}</p>
      ${hold
        ? html`<div class="notice">
            <p>${t('cases.hold.active', { side: sideLabel(hold.side) })}</p>
            <p class="meta">${t('cases.hold.since')} <${When} iso=${hold.set_at} />${who ? ` · ${t('cases.hold.by', { name: who })}` : ''}</p>
            <p class="case-text">${t('cases.hold.reason', { reason: hold.reason })}</p>
          </div>`
        : html`<p class="meta">${t('cases.hold.none')}</p>`}
      ${open
        ? html`<${HoldForm} key=${open} caseId=${item.id} action=${open} onCancel=${() => setOpen(null)}
            onDone=${(updated) => {
              setDone(t(open === 'set' ? 'cases.hold.setDone' : 'cases.hold.releaseDone'));
              setOpen(null);
              onChanged(updated);
            }} />`
        : actions.map(
            (action) => html`<p key=${action} class="no-print"><button type="button" class=${action === 'set' ? 'button secondary' : 'button'}
              onClick=${() => setOpen(action)}>${t(`cases.hold.${action}`)}</button></p>`,
          )}
    </section>
  `;
}
