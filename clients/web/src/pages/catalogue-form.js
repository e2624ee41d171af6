// Writing a catalogue entry: a nomination of a closed case (/catalogue/new?case_id=) or a
// good-practice note (/catalogue/new), then its draft (/catalogue/entries/{id}/edit). Saving
// runs the API's personal-data check; each flag it returns is shown by the field it concerns,
// to fix (edit the text away) or to justify (a justification per flag), and is checked again
// at the next save. Submitting stays disabled, with the reason, until the API says the entry
// is ready (`ready_to_submit`) and what is on screen is saved.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldMessage, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { AUTHORITY_TYPES, MEASURES, StateOptions, measureLabel, typeLabel, useStates } from './directory-common.js';
import { NotFound } from './notfound.js';
import {
  CRIME_TYPES,
  LEGAL_BASES,
  OUTCOMES,
  TEXT_FIELDS,
  basisLabel,
  crimeLabel,
  entryAddress,
  fieldLabel,
  flagLabel,
  outcomeLabel,
} from './catalogue-common.js';

const FIELDS = [
  'title',
  'summary',
  'cooperation_type',
  'measures',
  'crime_types',
  'legal_basis',
  'disclosure',
  'requesting_state',
  'requested_state',
  'outcome',
  'obstacles',
  'solutions',
  'lessons',
];
// Taken from the case for a nomination (the API refuses them); a note states them.
const NOTE_ONLY = ['requesting_state', 'requested_state', 'outcome'];
const NULLABLE = ['cooperation_type', 'legal_basis', 'requesting_state', 'requested_state', 'outcome'];

function valuesOf(entry) {
  const values = {};
  for (const name of FIELDS) {
    const value = entry ? entry[name] : undefined;
    if (name === 'measures' || name === 'crime_types') values[name] = [...(value || [])];
    else if (name === 'disclosure') values[name] = value || 'regions';
    else values[name] = value || '';
  }
  return values;
}

const same = (a, b) => (Array.isArray(a) ? [...a].sort().join(',') === [...b].sort().join(',') : a === b);

/** The API's body: for a new entry what the form holds; for a draft what changed. */
function payloadOf(values, { isCase, creating, initial }) {
  const body = {};
  for (const name of FIELDS) {
    if (isCase && NOTE_ONLY.includes(name)) continue;
    // A nomination takes these from the case; they can be changed once it is saved.
    if (isCase && creating && ['cooperation_type', 'measures', 'legal_basis'].includes(name)) continue;
    if (!creating && same(values[name], initial[name])) continue;
    let value = values[name];
    if (typeof value === 'string') value = name === 'title' ? value.trim() : value;
    if (NULLABLE.includes(name) && value === '') {
      if (creating) continue;
      value = null;
    }
    body[name] = value;
  }
  return body;
}

function Choices({ name, legend, hint, options, chosen, error, onChange, optional = false }) {
  const id = `field-${name}`;
  const toggle = (value, on) => onChange(on ? [...chosen, value] : chosen.filter((v) => v !== value));
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <fieldset aria-describedby=${[hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}>
        <legend id=${id} tabindex="-1">${legend}${optional ? html` <span class="optional">${t('form.optional')}</span>` : null}</legend>
        ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
        ${error ? html`<span class="error-message" id=${`${id}-error`}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
        <div class="cat-choices">
          ${options.map(
            (option) => html`<div class="checkbox" key=${option.value}>
              <input type="checkbox" id=${`${name}-${option.value}`} checked=${chosen.includes(option.value)}
                onChange=${(e) => toggle(option.value, e.currentTarget.checked)} />
              <label for=${`${name}-${option.value}`}>${option.label}</label>
            </div>`,
          )}
        </div>
      </fieldset>
    </div>
  `;
}

function Radios({ name, legend, hint, options, value, error, onChange }) {
  const id = `field-${name}`;
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <fieldset aria-describedby=${[hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}>
        <legend>${legend}</legend>
        ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
        ${error ? html`<span class="error-message" id=${`${id}-error`}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
        ${options.map(
          (option, i) => html`<div class="radio" key=${option.value}>
            <input type="radio" name=${name} id=${i === 0 ? id : `${id}-${option.value}`} value=${option.value}
              checked=${value === option.value} onChange=${() => onChange(option.value)} />
            <label for=${i === 0 ? id : `${id}-${option.value}`}>${option.label}</label>
          </div>`,
        )}
      </fieldset>
    </div>
  `;
}

/** The flags of one field as the last save found them, each to fix or to justify. */
function FieldFlags({ field, flags, justifications, errors, onJustify }) {
  const mine = flags.filter((flag) => flag.field === field);
  if (mine.length === 0) return null;
  return html`
    <div class="cat-field-flags" role="group" aria-label=${t('catalogue.form.flagsOf', { field: fieldLabel(field) })}>
      <p class="cat-flags-heading"><strong>${t('catalogue.form.flagsFound', { count: mine.length })}</strong></p>
      <ul class="cat-flag-list">
        ${mine.map((flag) => {
          const id = `justify-${flag.id}`;
          const text = justifications[flag.id] ?? '';
          return html`<li key=${flag.id} class="cat-flag" id=${`flag-${flag.id}`}>
            <p>
              ${flagLabel(flag.kind)}${flag.match ? html` – <q class="cat-flag-match">${flag.match}</q>` : null}
              ${' '}${flag.justification
                ? html`<span class="badge cat-flag-ok">${t('catalogue.flags.justified')}</span>`
                : html`<span class="badge cat-flag-open">${flag.justifiable ? t('catalogue.flags.open') : t('catalogue.flags.remove')}</span>`}
            </p>
            ${flag.justifiable
              ? html`<${Field} as="textarea" name=${id} label=${t('catalogue.form.justification')}
                  hint=${t('catalogue.form.justificationHint')} error=${errors[id]} optional=${true}
                  value=${text} onInput=${(value) => onJustify(flag.id, value)} rows="2" maxlength="1000" />`
              : html`<p class="hint">${t('catalogue.form.cannotJustify')}</p>`}
          </li>`;
        })}
      </ul>
    </div>
  `;
}

function EntryForm({ entry, caseId, notice }) {
  const creating = !entry;
  const isCase = entry ? entry.kind === 'case' : Boolean(caseId);
  const initial = valuesOf(entry);
  const [values, setValues] = useState(initial);
  const [justifications, setJustifications] = useState({});
  const [current, setCurrent] = useState(entry);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [status, setStatus] = useState(notice || '');
  const statusRef = useRef(null);
  const { states } = useStates();

  const saved = current ? valuesOf(current) : initial;
  const flags = (current && current.flags) || [];
  const flagJustification = (flag) => flag.justification || '';
  const justificationChanges = Object.fromEntries(
    Object.entries(justifications).filter(([id, text]) => {
      const flag = flags.find((f) => f.id === id);
      return flag && flag.justifiable && text.trim() !== flagJustification(flag);
    }),
  );
  const dirty = creating || FIELDS.some((name) => !same(values[name], saved[name])) || Object.keys(justificationChanges).length > 0;

  useEffect(() => {
    if (status && statusRef.current) statusRef.current.focus();
  }, [status]);

  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const justify = (id, text) => setJustifications({ ...justifications, [id]: text });

  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      if (creating) {
        const body = { ...payloadOf(values, { isCase, creating: true, initial }) };
        if (caseId) body.case_id = caseId;
        const made = await api('POST', '/catalogue/entries', { body });
        navigate(`/catalogue/entries/${made.id}/edit?saved=1`, { replace: true });
        return;
      }
      const body = payloadOf(values, { isCase, creating: false, initial: saved });
      if (Object.keys(justificationChanges).length) body.justifications = justificationChanges;
      const updated = await api('PATCH', `/catalogue/entries/${current.id}`, { body });
      setCurrent(updated);
      setValues(valuesOf(updated));
      setJustifications(Object.fromEntries(updated.flags.map((f) => [f.id, flagJustification(f)])));
      setStatus(
        updated.ready_to_submit ? t('catalogue.form.savedReady') : t('catalogue.form.savedFlags', { count: updated.flags.length }),
      );
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    setSubmitting(true);
    setError(null);
    try {
      await api('POST', `/catalogue/entries/${current.id}/transitions`, { body: { action: 'submit' } });
      navigate(`${entryAddress(current.id)}`);
    } catch (problem) {
      setError(problem);
      try {
        setCurrent(await api('GET', `/catalogue/entries/${current.id}`));
      } catch {
        // the page shows what it had
      }
    } finally {
      setSubmitting(false);
    }
  };

  // The API's field messages, and its messages about one flag's justification.
  const errors = {};
  for (const item of (error && error.errors) || []) {
    const field = String(item.field || '');
    const name = field.startsWith('justifications.') ? `justify-${field.slice('justifications.'.length)}` : field.split('.')[0];
    if (!errors[name]) errors[name] = fieldMessage(item.message);
  }
  const labels = Object.fromEntries(FIELDS.map((name) => [name, fieldLabel(name)]));
  for (const flag of flags) labels[`justify-${flag.id}`] = t('catalogue.form.justificationOf', { field: fieldLabel(flag.field) });
  const known = Object.fromEntries(Object.entries(errors).filter(([name]) => name in labels));

  const textField = (name, { as = 'textarea', hint = null, optional = true, rows = 5 } = {}) => html`
    <${Field} as=${as} name=${name} label=${fieldLabel(name)} hint=${hint} error=${errors[name]} optional=${optional}
      value=${values[name]} onInput=${set(name)} rows=${as === 'textarea' ? rows : undefined} maxlength=${name === 'title' ? 200 : 10000} />
    <${FieldFlags} field=${name} flags=${flags} justifications=${{ ...Object.fromEntries(flags.map((f) => [f.id, flagJustification(f)])), ...justifications }}
      errors=${errors} onJustify=${justify} />
  `;
  const fromCase = isCase && creating;
  const canSubmit = current && (current.allowed_actions || []).includes('submit');
  const ready = current && current.ready_to_submit && !dirty;

  return html`
    ${status ? html`<div class="notice success" role="status" tabindex="-1" ref=${statusRef}><p>${status}</p></div>` : null}
    <${ErrorSummary} error=${error} fields=${known} labels=${labels} />
    <div class="notice">
      <p>${isCase ? t('catalogue.form.caseIntro') : t('catalogue.form.noteIntro')}</p>
      <p>${t('catalogue.form.checkIntro')}</p>
    </div>
    <form class="cat-form" onSubmit=${save} novalidate>
      ${textField('title', { as: 'input', optional: false, hint: t('catalogue.form.titleHint') })}
      ${textField('summary', { hint: t('catalogue.form.markdownHint') })}
      ${fromCase
        ? html`<p class="hint">${t('catalogue.form.fromCase')}</p>`
        : html`
            <${Field} as="select" name="cooperation_type" label=${fieldLabel('cooperation_type')} error=${errors.cooperation_type}
              optional=${isCase} value=${values.cooperation_type} onInput=${set('cooperation_type')}>
              <option value="">${isCase ? t('catalogue.form.notStated') : t('catalogue.form.choose')}</option>
              ${AUTHORITY_TYPES.map((type) => html`<option key=${type} value=${type}>${typeLabel(type)}</option>`)}
            <//>
            <${Choices} name="measures" legend=${fieldLabel('measures')} optional=${true} error=${errors.measures}
              options=${MEASURES.map((m) => ({ value: m, label: measureLabel(m) }))} chosen=${values.measures} onChange=${set('measures')} />
            <${Field} as="select" name="legal_basis" label=${fieldLabel('legal_basis')} error=${errors.legal_basis} optional=${true}
              value=${values.legal_basis} onInput=${set('legal_basis')}>
              <option value="">${t('catalogue.form.notStated')}</option>
              ${LEGAL_BASES.map((b) => html`<option key=${b} value=${b}>${basisLabel(b)}</option>`)}
            <//>
          `}
      <${Choices} name="crime_types" legend=${fieldLabel('crime_types')} hint=${t('catalogue.form.crimeHint')} error=${errors.crime_types}
        options=${CRIME_TYPES.map((c) => ({ value: c, label: crimeLabel(c) }))} chosen=${values.crime_types} onChange=${set('crime_types')} />
      <${Radios} name="disclosure" legend=${fieldLabel('disclosure')} hint=${t('catalogue.form.disclosureHint')} error=${errors.disclosure}
        value=${values.disclosure} onChange=${set('disclosure')}
        options=${[
          { value: 'regions', label: t('catalogue.form.disclosure.regions') },
          { value: 'states', label: t('catalogue.form.disclosure.states') },
        ]} />
      ${isCase
        ? null
        : html`
            <${Field} as="select" name="requesting_state" label=${fieldLabel('requesting_state')} error=${errors.requesting_state}
              optional=${true} hint=${t('catalogue.form.stateHint')} value=${values.requesting_state} onInput=${set('requesting_state')}>
              <option value="">${t('catalogue.form.notStated')}</option>
              <${StateOptions} states=${states} />
            <//>
            <${Field} as="select" name="requested_state" label=${fieldLabel('requested_state')} error=${errors.requested_state}
              optional=${true} value=${values.requested_state} onInput=${set('requested_state')}>
              <option value="">${t('catalogue.form.notStated')}</option>
              <${StateOptions} states=${states} />
            <//>
            <${Field} as="select" name="outcome" label=${fieldLabel('outcome')} error=${errors.outcome} optional=${true}
              value=${values.outcome} onInput=${set('outcome')}>
              <option value="">${t('catalogue.form.notStated')}</option>
              ${OUTCOMES.map((o) => html`<option key=${o} value=${o}>${outcomeLabel(o)}</option>`)}
            <//>
          `}
      ${textField('obstacles', { hint: t('catalogue.form.obstaclesHint') })}
      ${textField('solutions', { hint: t('catalogue.form.solutionsHint') })}
      ${textField('lessons', { hint: t('catalogue.form.lessonsHint') })}
      <div class="actions">
        <${Button} type="submit" busy=${busy} disabled=${busy}>${creating ? t('catalogue.form.create') : t('catalogue.form.save')}<//>
        ${current ? html`<a href=${entryAddress(current.id)}>${t('catalogue.form.toEntry')}</a>` : html`<a href="/catalogue">${t('catalogue.form.cancel')}</a>`}
      </div>
    </form>
    ${canSubmit
      ? html`<section class="cat-submit" aria-labelledby="submit-heading">
          <h2 id="submit-heading">${t('catalogue.form.submitTitle')}</h2>
          <p id="cat-submit-why" class=${ready ? 'hint' : 'notice warning'}>
            ${dirty ? t('catalogue.form.saveFirst') : ready ? t(`catalogue.form.submitReady.${current.kind}`) : t('catalogue.form.submitBlocked')}
          </p>
          <${Button} type="button" busy=${submitting} disabled=${!ready || submitting} aria-describedby="cat-submit-why" onClick=${submit}>
            ${t('catalogue.form.submit')}
          <//>
        </section>`
      : null}
  `;
}

export function EntryNew() {
  const caseId = currentLocation.value.query.get('case_id') || null;
  const title = caseId ? t('catalogue.form.nominateTitle') : t('catalogue.form.noteTitle');
  return html`
    <${Page} title=${title}>
      <nav class="breadcrumbs" aria-label=${t('catalogue.entry.breadcrumbs')}>
        <a href="/catalogue">${t('catalogue.browse.title')}</a> › <span aria-current="page">${title}</span>
      </nav>
      <${EntryForm} key=${caseId || 'note'} entry=${null} caseId=${caseId} />
    <//>
  `;
}

export function EntryEdit({ params }) {
  const entryId = params.id;
  const justSaved = currentLocation.value.query.get('saved') === '1';
  const [entry, setEntry] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setEntry(null);
    setError(null);
    api('GET', `/catalogue/entries/${entryId}`).then(setEntry).catch(setError);
  }, [entryId]);
  if (error && error.status === 404) return html`<${NotFound} />`;
  if (error) {
    return html`<${Page} title=${t('catalogue.form.editTitle')}><div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div><//>`;
  }
  if (!entry) return html`<${Page} title=${t('catalogue.form.editTitle')}><${Skeleton} rows=${8} /><//>`;
  const editable = (entry.allowed_actions || []).includes('submit');
  const notice = justSaved
    ? entry.ready_to_submit
      ? t('catalogue.form.createdReady')
      : t('catalogue.form.createdFlags', { count: entry.flags.length })
    : '';
  return html`
    <${Page} title=${t('catalogue.form.editTitle')}>
      <nav class="breadcrumbs" aria-label=${t('catalogue.entry.breadcrumbs')}>
        <a href="/catalogue">${t('catalogue.browse.title')}</a> ›
        <a href=${entryAddress(entry.id)}>${entry.title}</a> ›
        <span aria-current="page">${t('catalogue.form.editTitle')}</span>
      </nav>
      ${editable
        ? html`<${EntryForm} key=${entry.id} entry=${entry} notice=${notice} />`
        : html`<div class="notice"><p>${t('catalogue.form.notEditable')}</p><p><a href=${entryAddress(entry.id)}>${t('catalogue.form.toEntry')}</a></p></div>`}
    <//>
  `;
}
