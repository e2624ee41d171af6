// A draft on the requesting side: the request's fields beside the drafting checks (GET
// /cases/{id}/checks: blocking ones first, each with what to do), saving (PATCH), and asking
// the requested side for a consultation before submitting (sharing the draft with it).
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { authorityText, checkLabel } from './cases-common.js';
import { CaseFields, fieldLabels, payloadOf, splitErrors, valuesFromCase } from './cases-form.js';

const ORDER = (check) => (check.ok ? 2 : 0) + (check.essential ? 0 : 1);

/** The API's checks as a checklist: what blocks submission, then advice, then what is done. */
export function Checklist({ report, error }) {
  let body;
  if (error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!report) body = html`<${Skeleton} rows=${3} />`;
  else {
    const checks = [...report.checks].sort((a, b) => ORDER(a) - ORDER(b));
    const blocking = checks.filter((c) => c.essential && !c.ok).length;
    body = html`
      <p class=${report.ready ? 'case-checks-verdict' : 'case-checks-verdict case-checks-blocked'} role="status" aria-live="polite">
        ${report.ready ? t('cases.checks.ready') : t('cases.checks.blocked', { count: blocking })}
      </p>
      <ul class="case-checklist">
        ${checks.map((check) => {
          const kind = check.ok ? 'done' : check.essential ? 'blocking' : 'advice';
          return html`<li class=${`case-check case-check-${kind}`} key=${check.code}>
            <p class="case-check-head"><span class="badge">${t(`cases.checks.kind.${kind}`)}</span> <strong>${checkLabel(check.code)}</strong></p>
            <p class="case-check-do">${check.ok ? check.message : html`<span class="visually-hidden">${t('cases.checks.whatToDo')} </span>${check.message}`}</p>
          </li>`;
        })}
      </ul>
      ${report.ready ? null : html`<p class="hint">${t('cases.checks.goOn')}</p>`}
    `;
  }
  return html`
    <aside class="case-checks-panel" aria-labelledby="checks-heading">
      <h2 id="checks-heading">${t('cases.checks.title')}</h2>
      ${body}
    </aside>
  `;
}

function Consultation({ item, authority, onChanged }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const share = async (shared) => {
    setBusy(true);
    try {
      onChanged(await api('PATCH', `/cases/${item.id}`, { body: { shared_for_consultation: shared } }));
      setError(null);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const name = authorityText(authority);
  return html`
    <section class="case-section case-consult" aria-labelledby="consult-heading">
      <h2 id="consult-heading">${t('cases.consult.title')}</h2>
      ${error ? html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>` : null}
      ${item.shared_for_consultation
        ? html`<p role="status">${t('cases.consult.shared', { authority: name })}</p>
            <${Button} type="button" class="button secondary" busy=${busy} onClick=${() => share(false)}>${t('cases.consult.stop')}<//>`
        : html`<p>${t('cases.consult.intro', { authority: name })}</p>
            <${Button} type="button" class="button secondary" busy=${busy} onClick=${() => share(true)}>${t('cases.consult.ask', { authority: name })}<//>`}
    </section>
  `;
}

/** The draft's form and checklist; `onSaved(case)` after each save, `onDirty` as it changes. */
export function DraftEditor({ item, authority, round, onSaved, onDirty }) {
  const [values, setValues] = useState(() => valuesFromCase(item));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');
  const [report, setReport] = useState(null);
  const [reportError, setReportError] = useState(null);
  const [treaties, setTreaties] = useState(null);
  const loadChecks = () =>
    api('GET', `/cases/${item.id}/checks`)
      .then((found) => {
        setReport(found);
        setReportError(null);
      })
      .catch(setReportError);
  useEffect(() => {
    loadChecks();
  }, [item.id, round]);
  useEffect(() => {
    if (!authority) return;
    api('GET', '/treaties', { query: { state: authority.state_code, limit: 100 } })
      .then((page) => setTreaties(page.items))
      .catch(() => setTreaties([]));
  }, [authority && authority.state_code]);
  const set = (changes) => {
    setValues({ ...values, ...changes });
    setSaved('');
    onDirty(true);
  };
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const updated = await api('PATCH', `/cases/${item.id}`, { body: payloadOf(values, { creating: false }) });
      setError(null);
      setSaved(t('cases.draft.saved'));
      onDirty(false);
      onSaved(updated);
      loadChecks();
    } catch (problem) {
      setError(problem);
      setSaved('');
    } finally {
      setBusy(false);
    }
  };
  const { fields, other } = splitErrors(error);
  return html`
    <div class="case-draft">
      <div class="case-draft-form">
        <h2 id="draft-heading">${t('cases.draft.title')}</h2>
        <p>${t('cases.draft.intro')}</p>
        <${ErrorSummary} error=${error} fields=${fields} labels=${fieldLabels()} />
        ${other.length ? html`<div class="notice warning"><ul>${other.map((m, i) => html`<li key=${i}>${m}</li>`)}</ul></div>` : null}
        <form class="case-form" onSubmit=${submit} novalidate aria-labelledby="draft-heading">
          <${CaseFields} values=${values} set=${set} errors=${fields} creating=${false} treaties=${treaties}
            fixed=${{ authority }} accepted=${authority ? authority.languages : null} />
          <div class="actions">
            <${Button} type="submit" busy=${busy}>${t('cases.draft.save')}<//>
            <span class="meta" role="status" aria-live="polite">${saved}</span>
          </div>
        </form>
      </div>
      <${Checklist} report=${report} error=${reportError} />
    </div>
    <${Consultation} item=${item} authority=${authority} onChanged=${onSaved} />
  `;
}
