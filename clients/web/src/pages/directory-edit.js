// Editing an authority's entry (/authorities/{id}/edit): the fields of PATCH /authorities/{id}.
// Whether the member may edit is the API's answer (`allowed_actions` on the entry, and the
// PATCH itself); only the fields changed are sent, and saving also confirms the entry.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldMessage, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { authorityNotice } from './directory-authority.js';
import { AUTHORITY_TYPES, CHANNELS, StateOptions, channelLabel, languageList, typeLabel, useLoad, useStates } from './directory-common.js';
import { NotFound } from './notfound.js';

const TEXT_FIELDS = [
  'name',
  'name_original',
  'address',
  'phone',
  'fax',
  'email',
  'website',
  'time_zone',
  'office_hours',
  'urgent_procedure',
  'contact_24_7',
  'alternative_arrangements',
  'notes',
];
const CONTACT_FIELDS = ['name', 'position', 'email', 'phone', 'languages'];

/** "fr, EN; de" -> ['fr', 'en', 'de']: language codes as the API takes them. */
export function codesOf(text) {
  return text
    .split(/[\s,;]+/)
    .map((code) => code.trim().toLowerCase())
    .filter(Boolean);
}

/** The form's values from the entry as the API sent it. */
function formOf(entry) {
  const values = {};
  for (const name of TEXT_FIELDS) values[name] = entry[name] || '';
  values.state_code = entry.state_code;
  values.types = [...entry.types];
  values.channels = [...entry.channels];
  values.languages = entry.languages.join(', ');
  values.convention_basis_mla = entry.convention_basis_mla;
  values.convention_basis_extradition = entry.convention_basis_extradition;
  values.law_links = entry.law_links.map((law) => ({ title: law.title || '', url: law.url || '' }));
  values.contacts = entry.contacts.map((c) => ({
    ...c,
    name: c.name || '',
    position: c.position || '',
    email: c.email || '',
    phone: c.phone || '',
    languages: (c.languages || []).join(', '),
  }));
  return values;
}

/** The values as the API takes them: empty text is "no value" (null). */
function bodyOf(values) {
  const body = {};
  for (const name of TEXT_FIELDS) body[name] = values[name].trim() || null;
  body.state_code = values.state_code;
  body.types = values.types;
  body.channels = values.channels;
  body.languages = codesOf(values.languages);
  body.convention_basis_mla = values.convention_basis_mla;
  body.convention_basis_extradition = values.convention_basis_extradition;
  body.law_links = values.law_links
    .filter((law) => law.title.trim() || law.url.trim())
    .map((law) => ({ title: law.title.trim(), url: law.url.trim() }));
  body.contacts = values.contacts
    .filter((c) => CONTACT_FIELDS.some((f) => String(c[f]).trim()))
    .map((c) => {
      const contact = { name: c.name.trim() };
      for (const f of ['position', 'email', 'phone']) if (c[f].trim()) contact[f] = c[f].trim();
      const languages = codesOf(c.languages);
      if (languages.length) contact.languages = languages;
      if (c.user_id) contact.user_id = c.user_id;
      return contact;
    });
  return body;
}

/** Only what changed: PATCH changes the fields sent and leaves the others as they are. */
function changesOf(values, original) {
  const now = bodyOf(values);
  const before = bodyOf(formOf(original));
  const changes = {};
  for (const [name, value] of Object.entries(now)) {
    if (JSON.stringify(value) !== JSON.stringify(before[name])) changes[name] = value;
  }
  return changes;
}

/** The element an API error's field points at ("contacts.1.email" -> that contact's email). */
function targetOf(field) {
  const parts = String(field).split('.');
  if (['contacts', 'law_links'].includes(parts[0]) && parts.length >= 2) {
    const inner = parts[2] || (parts[0] === 'contacts' ? 'name' : 'title');
    return `${parts[0]}.${parts[1]}.${inner}`;
  }
  return parts[0];
}

export function CheckboxGroup({ name, legend, options, labelOf, selected, onChange, error, hint }) {
  const toggle = (value, on) => onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <fieldset aria-describedby=${[hint ? `field-${name}-hint` : null, error ? `field-${name}-error` : null].filter(Boolean).join(' ') || undefined}>
        <legend>${legend}</legend>
        ${hint ? html`<span class="hint" id=${`field-${name}-hint`}>${hint}</span>` : null}
        ${error ? html`<span class="error-message" id=${`field-${name}-error`}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
        ${options.map(
          (value, i) => html`<div class="checkbox" key=${value}>
            <input type="checkbox" id=${i === 0 ? `field-${name}` : `field-${name}-${value}`} checked=${selected.includes(value)}
              onChange=${(e) => toggle(value, e.currentTarget.checked)} />
            <label for=${i === 0 ? `field-${name}` : `field-${name}-${value}`}>${labelOf(value)}</label>
          </div>`,
        )}
      </fieldset>
    </div>
  `;
}

export function YesNoUnknown({ name, legend, value, onChange, error }) {
  const choices = [
    [true, 'yes', t('directory.yes')],
    [false, 'no', t('directory.no')],
    [null, 'unknown', t('directory.notStated')],
  ];
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <fieldset>
        <legend>${legend}</legend>
        ${error ? html`<span class="error-message">${error}</span>` : null}
        <div class="dir-radios dir-inline">
          ${choices.map(
            ([choice, suffix, text], i) => html`<div class="dir-radio" key=${suffix}>
              <input type="radio" name=${name} id=${i === 0 ? `field-${name}` : `field-${name}-${suffix}`} checked=${value === choice}
                onChange=${() => onChange(choice)} />
              <label for=${i === 0 ? `field-${name}` : `field-${name}-${suffix}`}>${text}</label>
            </div>`,
          )}
        </div>
      </fieldset>
    </div>
  `;
}

function timeZones(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return current && !zones.includes(current) ? [current, ...zones] : zones;
}

/**
 * The entry's form. With `create` ({label, cancelHref, chooseState, submit(body)}) it adds a
 * new entry instead: every field is sent to `create.submit`, whose errors show as here.
 */
export function EditForm({ entry, states, create = null }) {
  const [values, setValues] = useState(() => formOf(entry));
  const [error, setError] = useState(null);
  const [nothing, setNothing] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const setItem = (list, index, name) => (value) =>
    setValues((v) => ({ ...v, [list]: v[list].map((item, i) => (i === index ? { ...item, [name]: value } : item)) }));
  const addItem = (list, blank) => setValues((v) => ({ ...v, [list]: [...v[list], blank] }));
  const removeItem = (list, index) => setValues((v) => ({ ...v, [list]: v[list].filter((_, i) => i !== index) }));
  const canMove = entry.allowed_actions.includes('change_state');

  const submit = async (event) => {
    event.preventDefault();
    if (create) {
      setError(null);
      setBusy(true);
      try {
        await create.submit(bodyOf(values));
      } catch (problem) {
        setError(problem);
      } finally {
        setBusy(false);
      }
      return;
    }
    const changes = changesOf(values, entry);
    if (!canMove) delete changes.state_code;
    setError(null);
    if (Object.keys(changes).length === 0) {
      setNothing(true);
      return;
    }
    setNothing(false);
    setBusy(true);
    try {
      await api('PATCH', `/authorities/${entry.id}`, { body: changes });
      authorityNotice.value = t('directory.edit.saved');
      navigate(`/authorities/${entry.id}`);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  const labels = {
    state_code: t('directory.field.state_code'),
    types: t('directory.field.types'),
    languages: t('directory.field.languages'),
    channels: t('directory.field.channels'),
    convention_basis_mla: t('directory.field.convention_basis_mla'),
    convention_basis_extradition: t('directory.field.convention_basis_extradition'),
  };
  for (const name of TEXT_FIELDS) labels[name] = t(`directory.field.${name}`);
  values.contacts.forEach((_, i) => {
    for (const f of CONTACT_FIELDS) labels[`contacts.${i}.${f}`] = t('directory.edit.partOf', { group: t('directory.edit.contactN', { n: i + 1 }), field: t(`directory.contact.${f}`) });
  });
  values.law_links.forEach((_, i) => {
    labels[`law_links.${i}.title`] = t('directory.edit.partOf', { group: t('directory.edit.lawN', { n: i + 1 }), field: t('directory.law.title') });
    labels[`law_links.${i}.url`] = t('directory.edit.partOf', { group: t('directory.edit.lawN', { n: i + 1 }), field: t('directory.law.url') });
  });
  // Field errors by the element they point at; others go in the summary on their own.
  const fields = {};
  for (const item of (error && error.errors) || []) {
    const target = targetOf(item.field);
    if (!fields[target]) fields[target] = fieldMessage(item.message);
  }
  const languagesNow = codesOf(values.languages);

  return html`
    <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
    ${nothing ? html`<div class="notice" role="status"><p>${t('directory.edit.nothing')}</p></div>` : null}
    <form onSubmit=${submit} novalidate class="dir-edit-form">
      <h2>${t('directory.edit.identity')}</h2>
      <${Field} name="name" label=${labels.name} value=${values.name} onInput=${set('name')} error=${fields.name} />
      <${Field} name="name_original" label=${labels.name_original} hint=${t('directory.edit.nameOriginalHint')} optional=${true}
        value=${values.name_original} onInput=${set('name_original')} error=${fields.name_original} />
      ${canMove
        ? html`<${Field} as="select" name="state_code" label=${labels.state_code} value=${values.state_code} onInput=${set('state_code')} error=${fields.state_code}>
            ${create ? html`<option value="">${create.chooseState}</option>` : null}
            <${StateOptions} states=${states} />
          <//>`
        : null}
      <${CheckboxGroup} name="types" legend=${labels.types} hint=${t('directory.edit.typesHint')} options=${AUTHORITY_TYPES}
        labelOf=${typeLabel} selected=${values.types} onChange=${set('types')} error=${fields.types} />

      <h2>${t('directory.edit.contactDetails')}</h2>
      <${Field} as="textarea" name="address" label=${labels.address} optional=${true} value=${values.address} onInput=${set('address')} error=${fields.address} class="dir-short" />
      <${Field} name="phone" type="tel" label=${labels.phone} hint=${t('directory.edit.phoneHint')} optional=${true} value=${values.phone} onInput=${set('phone')} error=${fields.phone} />
      <${Field} name="fax" type="tel" label=${labels.fax} optional=${true} value=${values.fax} onInput=${set('fax')} error=${fields.fax} />
      <${Field} name="email" type="email" label=${labels.email} optional=${true} value=${values.email} onInput=${set('email')} error=${fields.email} spellcheck=${false} />
      <${Field} name="website" type="url" label=${labels.website} hint=${t('directory.edit.websiteHint')} optional=${true} value=${values.website} onInput=${set('website')} error=${fields.website} spellcheck=${false} />
      <${Field} as="select" name="time_zone" label=${labels.time_zone} optional=${true} value=${values.time_zone} onInput=${set('time_zone')} error=${fields.time_zone}>
        <option value="">${t('directory.notStated')}</option>
        ${timeZones(values.time_zone).map((zone) => html`<option key=${zone} value=${zone}>${zone.replace(/_/g, ' ')}</option>`)}
      <//>
      <${Field} name="office_hours" label=${labels.office_hours} hint=${t('directory.edit.officeHoursHint')} optional=${true} value=${values.office_hours} onInput=${set('office_hours')} error=${fields.office_hours} />

      <h2>${t('directory.edit.sending')}</h2>
      <${Field} name="languages" label=${labels.languages} hint=${t('directory.edit.languagesHint')} value=${values.languages} onInput=${set('languages')}
        error=${fields.languages} spellcheck=${false} autocapitalize="none" />
      ${languagesNow.length ? html`<p class="meta dir-field-echo">${t('directory.edit.languagesRead', { languages: languageList(languagesNow) })}</p>` : null}
      <${CheckboxGroup} name="channels" legend=${labels.channels} options=${CHANNELS} labelOf=${channelLabel}
        selected=${values.channels} onChange=${set('channels')} error=${fields.channels} />
      <${Field} as="textarea" name="urgent_procedure" label=${labels.urgent_procedure} hint=${t('directory.edit.markdownHint')} optional=${true}
        value=${values.urgent_procedure} onInput=${set('urgent_procedure')} error=${fields.urgent_procedure} />
      <${Field} name="contact_24_7" label=${labels.contact_24_7} optional=${true} value=${values.contact_24_7} onInput=${set('contact_24_7')} error=${fields.contact_24_7} />

      <h2>${t('directory.edit.legalBasis')}</h2>
      <${YesNoUnknown} name="convention_basis_mla" legend=${labels.convention_basis_mla} value=${values.convention_basis_mla}
        onChange=${set('convention_basis_mla')} error=${fields.convention_basis_mla} />
      <${YesNoUnknown} name="convention_basis_extradition" legend=${labels.convention_basis_extradition} value=${values.convention_basis_extradition}
        onChange=${set('convention_basis_extradition')} error=${fields.convention_basis_extradition} />
      <${Field} as="textarea" name="alternative_arrangements" label=${labels.alternative_arrangements} hint=${t('directory.edit.markdownHint')} optional=${true}
        value=${values.alternative_arrangements} onInput=${set('alternative_arrangements')} error=${fields.alternative_arrangements} />

      <h3>${t('directory.authority.laws')}</h3>
      ${values.law_links.length === 0 ? html`<p class="meta">${t('directory.authority.noLaws')}</p>` : null}
      ${values.law_links.map(
        (law, i) => html`<fieldset class="dir-group" key=${`law-${i}`}>
          <legend>${t('directory.edit.lawN', { n: i + 1 })}</legend>
          <${Field} name=${`law_links.${i}.title`} label=${t('directory.law.title')} value=${law.title} onInput=${setItem('law_links', i, 'title')} error=${fields[`law_links.${i}.title`]} />
          <${Field} name=${`law_links.${i}.url`} type="url" label=${t('directory.law.url')} hint=${t('directory.edit.websiteHint')} value=${law.url}
            onInput=${setItem('law_links', i, 'url')} error=${fields[`law_links.${i}.url`]} spellcheck=${false} />
          <button type="button" class="link-button" onClick=${() => removeItem('law_links', i)}>${t('directory.edit.removeLaw', { n: i + 1 })}</button>
        </fieldset>`,
      )}
      <p><button type="button" class="button secondary" onClick=${() => addItem('law_links', { title: '', url: '' })}>${t('directory.edit.addLaw')}</button></p>

      <h2>${t('directory.authority.contacts')}</h2>
      ${values.contacts.length === 0 ? html`<p class="meta">${t('directory.authority.noContacts')}</p>` : null}
      ${values.contacts.map(
        (contact, i) => html`<fieldset class="dir-group" key=${`contact-${i}`}>
          <legend>${t('directory.edit.contactN', { n: i + 1 })}</legend>
          ${CONTACT_FIELDS.map(
            (f) => html`<${Field} key=${f} name=${`contacts.${i}.${f}`} type=${f === 'email' ? 'email' : f === 'phone' ? 'tel' : 'text'}
              label=${t(`directory.contact.${f}`)} optional=${f !== 'name'} hint=${f === 'languages' ? t('directory.edit.languagesHint') : undefined}
              value=${contact[f]} onInput=${setItem('contacts', i, f)} error=${fields[`contacts.${i}.${f}`]} />`,
          )}
          <button type="button" class="link-button" onClick=${() => removeItem('contacts', i)}>${t('directory.edit.removeContact', { n: i + 1 })}</button>
        </fieldset>`,
      )}
      <p><button type="button" class="button secondary" onClick=${() => addItem('contacts', { name: '', position: '', email: '', phone: '', languages: '' })}>${t('directory.edit.addContact')}</button></p>

      <h2>${t('directory.field.notes')}</h2>
      <${Field} as="textarea" name="notes" label=${labels.notes} hint=${t('directory.edit.markdownHint')} optional=${true}
        value=${values.notes} onInput=${set('notes')} error=${fields.notes} />

      ${create ? null : html`<div class="notice"><p>${t('directory.edit.savingVerifies')}</p></div>`}
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${create ? create.label : t('directory.edit.save')}<//>
        <a href=${create ? create.cancelHref : `/authorities/${entry.id}`}>${t('directory.edit.cancel')}</a>
      </div>
    </form>
  `;
}

export function AuthorityEdit({ params }) {
  const authority = useLoad(() => api('GET', `/authorities/${params.id}`), [params.id]);
  const { states } = useStates();
  if (authority.error && authority.error.status === 404) return html`<${NotFound} />`;
  if (authority.error) {
    return html`<${Page} title=${t('directory.edit.title')}><div class="notice warning" role="alert"><p>${problemMessage(authority.error)}</p></div><//>`;
  }
  if (!authority.data) return html`<${Page} title=${t('directory.edit.title')}><${Skeleton} rows=${8} /><//>`;
  const entry = authority.data;
  if (!entry.allowed_actions.includes('edit')) {
    return html`
      <${Page} title=${t('directory.edit.title')}>
        <div class="notice warning" role="status"><p>${t('directory.edit.notAllowed', { name: entry.name })}</p></div>
        <p><a href=${`/authorities/${entry.id}`}>${t('directory.edit.back', { name: entry.name })}</a></p>
      <//>
    `;
  }
  return html`
    <${Page} title=${t('directory.edit.title')}>
      <p class="dir-lead">${entry.name} <span class="meta">(${entry.state_name})</span></p>
      <p class="dir-audience">${t('directory.authority.audience')}</p>
      <${EditForm} entry=${entry} states=${states} />
    <//>
  `;
}
