// The fields of a request (new, or a draft being edited): one column, labels above fields,
// hints under labels, the API's messages by each field. What is required and valid is the
// API's to say; this module only turns the form into the API's shape and back.
import { html } from '../html.js';
import { t } from '../i18n.js';
import { Field, fieldMessage } from '../components.js';
import { MEASURES, StateOptions, languageList, measureLabel } from './directory-common.js';
import { CASE_TYPES, LEGAL_BASES, authorityText, basisLabel, typeLabel } from './cases-common.js';

// Field names as the API reports them (errors[].field, first part).
export const FIELDS = [
  'requested_authority_id',
  'type',
  'title',
  'summary',
  'legal_basis',
  'offences',
  'measures',
  'persons',
  'languages',
  'urgency',
  'urgency_reason',
  'deadline',
  'deadline_reason',
  'confidential',
  'restricted',
];

export function emptyValues() {
  return {
    requested_state: '',
    requested_authority_id: '',
    type: '',
    title: '',
    summary: '',
    basis_kind: '',
    treaty_id: '',
    basis_text: '',
    offences: '',
    measures: [],
    persons: [],
    languages: '',
    urgency: 'normal',
    urgency_reason: '',
    deadline: '',
    deadline_reason: '',
    confidential: false,
    restricted: false,
  };
}

export function valuesFromCase(item) {
  const basis = item.legal_basis || {};
  return {
    ...emptyValues(),
    requested_authority_id: item.requested_authority_id,
    type: item.type,
    title: item.title || '',
    summary: item.summary || '',
    basis_kind: basis.kind || '',
    treaty_id: basis.treaty_id || '',
    basis_text: basis.text || '',
    offences: (item.offences || []).join('\n'),
    measures: item.measures || [],
    persons: (item.persons || []).map((p) => ({ role: p.role || '', name: p.name || '', birth_date: p.birth_date || '', nationality: p.nationality || '' })),
    languages: (item.languages || []).join(', '),
    urgency: item.urgency || 'normal',
    urgency_reason: item.urgency_reason || '',
    deadline: item.deadline || '',
    deadline_reason: item.deadline_reason || '',
    confidential: Boolean(item.confidential),
    restricted: Boolean(item.restricted),
  };
}

const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);

/** The API's body: everything for POST /cases; for a draft's PATCH, what a draft may change. */
export function payloadOf(values, { creating }) {
  const basis = values.basis_kind ? { kind: values.basis_kind } : null;
  if (basis && values.basis_kind === 'treaty' && values.treaty_id) basis.treaty_id = values.treaty_id;
  if (basis && values.basis_text.trim()) basis.text = values.basis_text.trim();
  const body = {
    title: values.title.trim(),
    summary: values.summary,
    legal_basis: basis,
    offences: lines(values.offences),
    measures: values.measures,
    persons: values.persons
      .filter((p) => p.name.trim() || p.role.trim())
      .map((p) => ({
        role: p.role.trim(),
        name: p.name.trim(),
        ...(p.birth_date ? { birth_date: p.birth_date } : {}),
        ...(p.nationality.trim() ? { nationality: p.nationality.trim().toUpperCase() } : {}),
      })),
    languages: values.languages.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean),
    urgency: values.urgency,
    urgency_reason: values.urgency_reason.trim() || null,
    deadline: values.deadline || null,
    deadline_reason: values.deadline_reason.trim() || null,
    confidential: values.confidential,
    restricted: values.restricted,
  };
  if (creating) {
    body.type = values.type || null;
    body.requested_authority_id = values.requested_authority_id || null;
    if (!body.legal_basis) delete body.legal_basis;
  }
  return body;
}

export function fieldLabels() {
  return {
    requested_authority_id: t('cases.field.requestedAuthority'),
    type: t('cases.field.type'),
    title: t('cases.field.title'),
    summary: t('cases.field.summary'),
    legal_basis: t('cases.field.legalBasis'),
    offences: t('cases.field.offences'),
    measures: t('cases.field.measures'),
    persons: t('cases.field.persons'),
    languages: t('cases.field.languages'),
    urgency: t('cases.field.urgency'),
    urgency_reason: t('cases.field.urgencyReason'),
    deadline: t('cases.field.deadline'),
    deadline_reason: t('cases.field.deadlineReason'),
    confidential: t('cases.field.confidential'),
    restricted: t('cases.field.restricted'),
  };
}

/** {field: message} for the form's fields, and the messages about nothing in particular. */
export function splitErrors(error) {
  const fields = {};
  const other = [];
  for (const item of (error && error.errors) || []) {
    const name = String(item.field || '').split('.')[0];
    const message = fieldMessage(item.message);
    if (FIELDS.includes(name)) {
      if (!fields[name]) fields[name] = message;
    } else other.push(message);
  }
  return { fields, other };
}

function Radios({ name, legend, hint, error, options, value, onChange }) {
  const id = `field-${name}`;
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <fieldset aria-describedby=${[hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}>
        <legend>${legend}</legend>
        ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
        ${error ? html`<span class="error-message" id=${`${id}-error`}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
        <div class="case-radios">
          ${options.map(
            (option, i) => html`<div class="case-radio" key=${option.value}>
              <input type="radio" name=${name} id=${i === 0 ? id : `${id}-${option.value}`} value=${option.value}
                checked=${value === option.value} onChange=${() => onChange(option.value)} />
              <label for=${i === 0 ? id : `${id}-${option.value}`}>${option.label}</label>
            </div>`,
          )}
        </div>
      </fieldset>
    </div>
  `;
}

function Check({ name, label, hint, checked, onChange }) {
  const id = `field-${name}`;
  return html`
    <div class="field">
      <div class="checkbox">
        <input type="checkbox" id=${id} checked=${checked} aria-describedby=${hint ? `${id}-hint` : undefined}
          onChange=${(e) => onChange(e.currentTarget.checked)} />
        <div>
          <label for=${id}>${label}</label>
          ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
        </div>
      </div>
    </div>
  `;
}

function Persons({ persons, error, onChange }) {
  const update = (index, name, value) => onChange(persons.map((p, i) => (i === index ? { ...p, [name]: value } : p)));
  const add = () => onChange([...persons, { role: '', name: '', birth_date: '', nationality: '' }]);
  const remove = (index) => onChange(persons.filter((_, i) => i !== index));
  return html`
    <div class=${error ? 'field has-error case-persons' : 'field case-persons'}>
      <fieldset aria-describedby="field-persons-hint">
        <legend id="field-persons" tabindex="-1">${t('cases.field.persons')} <span class="optional">${t('form.optional')}</span></legend>
        <span class="hint" id="field-persons-hint">${t('cases.field.personsHint')}</span>
        ${error ? html`<span class="error-message"><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
        ${persons.map(
          (person, index) => html`<div class="case-person" key=${index}>
            <p class="case-person-title">${t('cases.field.person', { n: index + 1 })}</p>
            <div class="field"><label for=${`person-${index}-role`}>${t('cases.field.personRole')}</label>
              <span class="hint" id=${`person-${index}-role-hint`}>${t('cases.field.personRoleHint')}</span>
              <input type="text" id=${`person-${index}-role`} aria-describedby=${`person-${index}-role-hint`} value=${person.role} maxlength="40"
                onInput=${(e) => update(index, 'role', e.currentTarget.value)} /></div>
            <div class="field"><label for=${`person-${index}-name`}>${t('cases.field.personName')}</label>
              <input type="text" id=${`person-${index}-name`} value=${person.name} maxlength="200"
                onInput=${(e) => update(index, 'name', e.currentTarget.value)} /></div>
            <div class="field"><label for=${`person-${index}-birth`}>${t('cases.field.personBirth')} <span class="optional">${t('form.optional')}</span></label>
              <input type="date" id=${`person-${index}-birth`} value=${person.birth_date}
                onInput=${(e) => update(index, 'birth_date', e.currentTarget.value)} /></div>
            <div class="field"><label for=${`person-${index}-nationality`}>${t('cases.field.personNationality')} <span class="optional">${t('form.optional')}</span></label>
              <span class="hint" id=${`person-${index}-nationality-hint`}>${t('cases.field.personNationalityHint')}</span>
              <input type="text" class="case-short" id=${`person-${index}-nationality`} aria-describedby=${`person-${index}-nationality-hint`} value=${person.nationality} maxlength="3"
                onInput=${(e) => update(index, 'nationality', e.currentTarget.value)} /></div>
            <button type="button" class="link-button" onClick=${() => remove(index)}>${t('cases.field.removePerson', { n: index + 1 })}</button>
          </div>`,
        )}
        <button type="button" class="button secondary" onClick=${add}>${t('cases.field.addPerson')}</button>
      </fieldset>
    </div>
  `;
}

/**
 * The request's fields. `creating`: the requested State, authority and type are chosen here
 * (a draft keeps them). `states`, `authorities` (of the requested State) and `treaties` are
 * the choices; `accepted` the languages the requested side accepts, when known.
 */
export function CaseFields({ values, set, errors, creating, states, authorities, treaties, accepted, fixed }) {
  const on = (name) => (value) => set({ [name]: value });
  return html`
    ${creating
      ? html`
          <${Field} as="select" name="requested_state" label=${t('cases.field.requestedState')} hint=${t('cases.field.requestedStateHint')}
            value=${values.requested_state} onInput=${(value) => set({ requested_state: value, requested_authority_id: '', treaty_id: '' })}>
            <option value="">${t('cases.field.chooseState')}</option>
            <${StateOptions} states=${states} />
          <//>
          <${Field} as="select" name="requested_authority_id" label=${t('cases.field.requestedAuthority')} error=${errors.requested_authority_id}
            hint=${t('cases.field.requestedAuthorityHint')} value=${values.requested_authority_id} onInput=${on('requested_authority_id')}>
            <option value="">${values.requested_state ? t('cases.field.chooseAuthority') : t('cases.field.chooseStateFirst')}</option>
            ${(authorities || []).map((a) => html`<option key=${a.id} value=${a.id}>${a.name}</option>`)}
          <//>
          <${Radios} name="type" legend=${t('cases.field.type')} error=${errors.type} value=${values.type} onChange=${on('type')}
            options=${CASE_TYPES.map((type) => ({ value: type, label: typeLabel(type) }))} />
        `
      : html`<dl class="case-fixed">
          <div><dt>${t('cases.field.requestedAuthority')}</dt><dd>${authorityText(fixed && fixed.authority)}</dd></div>
          <div><dt>${t('cases.field.type')}</dt><dd>${typeLabel(values.type)}</dd></div>
        </dl>`}
    <${Field} name="title" label=${t('cases.field.title')} hint=${t('cases.field.titleHint')} error=${errors.title}
      value=${values.title} onInput=${on('title')} maxlength="300" />
    <${Field} as="textarea" name="summary" label=${t('cases.field.summary')} hint=${t('cases.field.summaryHint')} error=${errors.summary}
      value=${values.summary} onInput=${on('summary')} rows="8" />
    <${Radios} name="legal_basis" legend=${t('cases.field.legalBasis')} hint=${t('cases.field.legalBasisHint')} error=${errors.legal_basis}
      value=${values.basis_kind} onChange=${on('basis_kind')}
      options=${LEGAL_BASES.map((kind) => ({ value: kind, label: basisLabel(kind) }))} />
    ${values.basis_kind === 'treaty'
      ? html`<${Field} as="select" name="treaty_id" label=${t('cases.field.treaty')} hint=${t('cases.field.treatyHint')}
          value=${values.treaty_id} onInput=${on('treaty_id')}>
          <option value="">${t('cases.field.chooseTreaty')}</option>
          ${(treaties || []).map((treaty) => html`<option key=${treaty.id} value=${treaty.id}>${treaty.title}</option>`)}
        <//>`
      : null}
    ${values.basis_kind === 'other' || values.basis_kind === 'reciprocity'
      ? html`<${Field} as="textarea" name="basis_text" label=${t('cases.field.basisText')} optional=${values.basis_kind !== 'other'}
          value=${values.basis_text} onInput=${on('basis_text')} rows="3" />`
      : null}
    <${Field} as="textarea" name="offences" label=${t('cases.field.offences')} hint=${t('cases.field.offencesHint')} error=${errors.offences}
      value=${values.offences} onInput=${on('offences')} rows="3" />
    <div class=${errors.measures ? 'field has-error' : 'field'}>
      <fieldset aria-describedby="field-measures-hint">
        <legend id="field-measures" tabindex="-1">${t('cases.field.measures')}</legend>
        <span class="hint" id="field-measures-hint">${t('cases.field.measuresHint')}</span>
        ${errors.measures ? html`<span class="error-message"><span class="visually-hidden">${t('error.prefix')} </span>${errors.measures}</span>` : null}
        <div class="case-checks">
          ${MEASURES.map(
            (measure) => html`<div class="checkbox" key=${measure}>
              <input type="checkbox" id=${`measure-${measure}`} checked=${values.measures.includes(measure)}
                onChange=${(e) => set({ measures: e.currentTarget.checked ? [...values.measures, measure] : values.measures.filter((m) => m !== measure) })} />
              <label for=${`measure-${measure}`}>${measureLabel(measure)}</label>
            </div>`,
          )}
        </div>
      </fieldset>
    </div>
    <${Persons} persons=${values.persons} error=${errors.persons} onChange=${on('persons')} />
    <${Field} name="languages" label=${t('cases.field.languages')} error=${errors.languages}
      hint=${accepted && accepted.length
        ? `${t('cases.field.languagesHint')} ${t('cases.field.languagesAccepted', { languages: languageList(accepted) })}`
        : t('cases.field.languagesHint')}
      value=${values.languages} onInput=${on('languages')} />
    <${Radios} name="urgency" legend=${t('cases.field.urgency')} error=${errors.urgency} value=${values.urgency} onChange=${on('urgency')}
      options=${[
        { value: 'normal', label: t('cases.urgency.normal') },
        { value: 'urgent', label: t('cases.urgency.urgent') },
      ]} />
    ${values.urgency === 'urgent'
      ? html`<${Field} as="textarea" name="urgency_reason" label=${t('cases.field.urgencyReason')} error=${errors.urgency_reason}
          value=${values.urgency_reason} onInput=${on('urgency_reason')} rows="3" />`
      : null}
    <${Field} type="date" name="deadline" label=${t('cases.field.deadline')} hint=${t('cases.field.deadlineHint')} error=${errors.deadline}
      optional=${true} value=${values.deadline} onInput=${on('deadline')} />
    ${values.deadline
      ? html`<${Field} as="textarea" name="deadline_reason" label=${t('cases.field.deadlineReason')} error=${errors.deadline_reason}
          value=${values.deadline_reason} onInput=${on('deadline_reason')} rows="2" />`
      : null}
    <${Check} name="confidential" label=${t('cases.field.confidential')} hint=${t('cases.field.confidentialHint')}
      checked=${values.confidential} onChange=${on('confidential')} />
    <${Check} name="restricted" label=${t('cases.field.restricted')} hint=${t('cases.field.restrictedHint')}
      checked=${values.restricted} onChange=${on('restricted')} />
  `;
}
