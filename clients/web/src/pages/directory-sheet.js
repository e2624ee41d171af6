// A State's requirement sheet for one type of request (/states/{code}/requirements/{type},
// ?measure= for a measure's own sheet; the link of the staleness reminders): what it says,
// when it was last verified and whether it is out of date, the State's other sheets of that
// type, its history, and, when the API allows it (`allowed_actions`), confirming it as
// accurate and editing it (/states/{code}/requirements/{type}/edit).
import { signal } from '../../vendor/signals.mjs';
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldMessage, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import {
  MEASURES,
  REQUIREMENTS,
  SheetFacts,
  Verified,
  languageList,
  languageName,
  measureLabel,
  requirementLabel,
  sheetAddress,
  sheetTitle,
  typeLabel,
  useLoad,
  useStates,
} from './directory-common.js';
import { CheckboxGroup, YesNoUnknown, codesOf } from './directory-edit.js';
import { Revisions } from './directory-revisions.js';
import { ApplicableDocuments } from './library-common.js';
import { NotFound } from './notfound.js';

/** A message for the next view of a sheet's page (e.g. "Your changes are saved"). */
const sheetNotice = signal(null);

/** Which sheet the address names: the State, the type of request and the measure (or none). */
function sheetKey(params) {
  return {
    state_code: params.code.toUpperCase(),
    request_type: params.request_type,
    measure: currentLocation.value.query.get('measure') || null,
  };
}

function apiPath(key, suffix = '') {
  return `/states/${encodeURIComponent(key.state_code)}/requirements/${encodeURIComponent(key.request_type)}${suffix}`;
}

// What the API answers for a State, type or measure that does not exist (or is no value of
// its vocabulary): the client's not-found page either way.
const MISSING = new Set([404, 422]);

/** Every authority of a State (every page of GET /authorities), for names and choices. */
async function authoritiesOf(code) {
  const found = [];
  let cursor = null;
  do {
    const page = await api('GET', '/authorities', { query: { state: code, limit: 100, cursor } });
    found.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

function stateNameOf(states, code) {
  const state = (states || []).find((s) => s.code === code);
  return state ? state.name : code;
}

function fieldName(field) {
  const key = `directory.sheetField.${field}`;
  const text = t(key);
  return text === key ? field : text;
}

/** The State's sheets of this type, general first then by measure, the current one marked. */
function OtherSheets({ sheets, current, stateName, type }) {
  const ordered = [...sheets].sort((a, b) => (a.measure ? MEASURES.indexOf(a.measure) + 1 : 0) - (b.measure ? MEASURES.indexOf(b.measure) + 1 : 0));
  return html`
    <nav class="dir-sheet-nav" aria-labelledby="sheet-nav-heading">
      <h2 id="sheet-nav-heading">${t('directory.sheetPage.others', { state: stateName, type: typeLabel(type) })}</h2>
      <ul>
        ${ordered.map((sheet) => {
          const here = (sheet.measure || null) === current;
          return html`<li key=${sheet.id}>
            <a href=${sheetAddress(sheet)} aria-current=${here ? 'page' : undefined}>
              ${sheet.measure ? measureLabel(sheet.measure) : t('directory.sheetPage.general')}
            </a>
            ${sheet.stale ? html` <span class="badge dir-badge-warning">${t('directory.stale.badge')}</span>` : null}
          </li>`;
        })}
      </ul>
    </nav>
  `;
}

function Actions({ sheet, onVerified }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const actions = sheet.allowed_actions || [];
  if (actions.length === 0) return null;
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      const fresh = await api('POST', apiPath(sheet, '/verify'), { query: { measure: sheet.measure } });
      sheetNotice.value = t('directory.sheetPage.verifiedNotice', { date: formatDate(fresh.last_verified_at) });
      onVerified();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  return html`
    ${error ? html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>` : null}
    <div class="actions dir-page-actions">
      ${actions.includes('edit') ? html`<a class="button" href=${sheetAddress(sheet, '/edit')}>${t('directory.sheetPage.edit')}</a>` : null}
      ${actions.includes('verify')
        ? html`<${Button} type="button" class="button secondary" busy=${busy} onClick=${verify}>${t('directory.sheetPage.verify')}<//>`
        : null}
    </div>
  `;
}

function Breadcrumbs({ code, stateName }) {
  return html`
    <nav class="dir-breadcrumbs" aria-label=${t('directory.breadcrumbs')}>
      <a href="/directory">${t('directory.search.title')}</a> › <a href=${`/directory?state=${code}`}>${stateName}</a>
    </nav>
  `;
}

export function SheetPage({ params }) {
  const key = sheetKey(params);
  const [round, setRound] = useState(0);
  const sheet = useLoad(() => api('GET', apiPath(key), { query: { measure: key.measure } }), [key]);
  const siblings = useLoad(() => api('GET', `/states/${encodeURIComponent(key.state_code)}/requirements`, { query: { request_type: key.request_type } }), [
    key.state_code,
    key.request_type,
  ]);
  const authorities = useLoad(() => authoritiesOf(key.state_code), [key.state_code]);
  const { states } = useStates();
  const notice = sheetNotice.value;
  useEffect(() => () => {
    sheetNotice.value = null;
  }, [JSON.stringify(key)]);

  const stateName = stateNameOf(states, key.state_code);
  const others = (siblings.data && siblings.data.items) || [];
  const missing = sheet.error && MISSING.has(sheet.error.status);
  // The general sheet's address while the State has only sheets for measures: say so and
  // offer them, rather than a dead end.
  const onlyMeasures = missing && !key.measure && others.length > 0;
  if (missing && !onlyMeasures && (key.measure || siblings.data || siblings.error)) return html`<${NotFound} />`;
  if (sheet.error && !missing) {
    return html`<${Page} title=${t('directory.sheetPage.loadFailed')}><div class="notice warning" role="alert"><p>${problemMessage(sheet.error)}</p></div><//>`;
  }
  if (onlyMeasures) {
    return html`
      <${Page} title=${sheetTitle(key)}>
        <p class="dir-lead">${t('directory.sheetPage.of', { state: stateName })}</p>
        <${Breadcrumbs} code=${key.state_code} stateName=${stateName} />
        <p>${t('directory.sheetPage.noGeneral', { state: stateName, type: typeLabel(key.request_type) })}</p>
        <${OtherSheets} sheets=${others} current=${null} stateName=${stateName} type=${key.request_type} />
      <//>
    `;
  }
  // The same frame while loading, so the heading that takes focus stays the same element.
  if (!sheet.data) return html`<${Page} title=${t('directory.sheetPage.loading')}><${Skeleton} rows=${6} /><//>`;

  const entry = sheet.data;
  const names = new Map(((authorities.data || [])).map((a) => [a.id, a.name]));
  const refresh = () => {
    sheet.reload();
    siblings.reload();
    setRound((n) => n + 1);
  };
  const compare = new URLSearchParams({ state_a: entry.state_code, request_type: entry.request_type });
  if (entry.measure) compare.set('measure', entry.measure);
  const words = {
    languages: languageName,
    requirements: requirementLabel,
    receiving_authority_id: (id) => names.get(id) || id,
  };
  return html`
    <${Page} title=${sheetTitle(entry)}>
      <p class="dir-lead">${t('directory.sheetPage.of', { state: stateName })}</p>
      <${Breadcrumbs} code=${entry.state_code} stateName=${stateName} />
      ${notice ? html`<div class="notice success" role="status"><p>${notice}</p></div>` : null}
      <p class="dir-audience">${t('directory.authority.audience')}</p>
      <${Verified} iso=${entry.last_verified_at} stale=${entry.stale} />
      <${Actions} sheet=${entry} onVerified=${refresh} />
      ${others.length > 1
        ? html`<${OtherSheets} sheets=${others} current=${entry.measure} stateName=${stateName} type=${entry.request_type} />`
        : null}
      <${SheetFacts} sheet=${entry} headingLevel=${2} names=${names} showVerified=${false}
        title=${t('directory.sheetPage.contents')} />
      <p><a href=${`/compare?${compare}`}>${t('directory.authority.compareLink', { state: stateName })}</a></p>
      <${ApplicableDocuments} url=${entry.library_url} />
      <${Revisions} path=${`/requirement-sheets/${entry.id}/revisions`} round=${round} fieldName=${fieldName} words=${words} />
    <//>
  `;
}

const TEXT_FIELDS = ['legal_framework', 'executing_authority', 'usual_execution_time', 'special_requirements', 'alternatives', 'notes'];
const LONG_TEXT = new Set(['legal_framework', 'special_requirements', 'alternatives', 'notes']);
const FIELDS = ['possible', 'receiving_authority_id', 'languages', 'requirements', ...TEXT_FIELDS];

function formOf(sheet) {
  const values = {
    possible: sheet.possible,
    receiving_authority_id: sheet.receiving_authority_id || '',
    languages: sheet.languages.join(', '),
    requirements: [...sheet.requirements],
  };
  for (const name of TEXT_FIELDS) values[name] = sheet[name] || '';
  return values;
}

/** Every field, as PUT takes them: it replaces the whole sheet. Empty text is no value. */
function bodyOf(values) {
  const body = {
    possible: values.possible,
    receiving_authority_id: values.receiving_authority_id || null,
    languages: codesOf(values.languages),
    requirements: REQUIREMENTS.filter((r) => values.requirements.includes(r)),
  };
  for (const name of TEXT_FIELDS) body[name] = values[name].trim() || null;
  return body;
}

/** The API's field errors by field ("languages.1" -> languages), in the member's words. */
function errorsByField(error) {
  const found = {};
  for (const item of (error && error.errors) || []) {
    const name = String(item.field || '').split('.')[0];
    if (!FIELDS.includes(name) || found[name]) continue;
    found[name] = name === 'languages' && /pattern/.test(item.message) ? t('directory.sheetEdit.languagesInvalid') : fieldMessage(item.message);
  }
  return found;
}

function SheetForm({ sheet, authorities, stateName }) {
  const [values, setValues] = useState(() => formOf(sheet));
  const [error, setError] = useState(null);
  const [nothing, setNothing] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    const body = bodyOf(values);
    if (JSON.stringify(body) === JSON.stringify(bodyOf(formOf(sheet)))) {
      setNothing(true);
      return;
    }
    setNothing(false);
    setBusy(true);
    try {
      await api('PUT', apiPath(sheet), { query: { measure: sheet.measure }, body });
      sheetNotice.value = t('directory.sheetEdit.saved');
      navigate(sheetAddress(sheet));
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const labels = Object.fromEntries(FIELDS.map((name) => [name, fieldName(name)]));
  const fields = errorsByField(error);
  const languagesNow = codesOf(values.languages);
  const markdown = t('directory.edit.markdownHint');
  const text = (name, hint) =>
    LONG_TEXT.has(name)
      ? html`<${Field} as="textarea" name=${name} label=${labels[name]} hint=${hint || markdown} optional=${true}
          value=${values[name]} onInput=${set(name)} error=${fields[name]} />`
      : html`<${Field} name=${name} label=${labels[name]} hint=${hint} optional=${true} value=${values[name]} onInput=${set(name)} error=${fields[name]} />`;
  return html`
    <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
    ${nothing ? html`<div class="notice" role="status"><p>${t('directory.sheetEdit.nothing')}</p></div>` : null}
    <form onSubmit=${submit} novalidate class="dir-edit-form">
      <${YesNoUnknown} name="possible" legend=${t('directory.sheetEdit.possible')} value=${values.possible}
        onChange=${set('possible')} error=${fields.possible} />
      ${text('legal_framework')}
      <${Field} as="select" name="receiving_authority_id" label=${labels.receiving_authority_id} hint=${t('directory.sheetEdit.receivingHint', { state: stateName })}
        optional=${true} value=${values.receiving_authority_id} onInput=${set('receiving_authority_id')} error=${fields.receiving_authority_id}>
        <option value="">${t('directory.sheetEdit.noReceiving')}</option>
        ${authorities.map((a) => html`<option key=${a.id} value=${a.id}>${a.name}</option>`)}
      <//>
      ${text('executing_authority', t('directory.sheetEdit.executingHint'))}
      <${Field} name="languages" label=${labels.languages} hint=${t('directory.edit.languagesHint')} value=${values.languages} onInput=${set('languages')}
        error=${fields.languages} spellcheck=${false} autocapitalize="none" optional=${true} />
      ${languagesNow.length ? html`<p class="meta dir-field-echo">${t('directory.edit.languagesRead', { languages: languageList(languagesNow) })}</p>` : null}
      ${text('usual_execution_time', t('directory.sheetEdit.executionTimeHint'))}
      <${CheckboxGroup} name="requirements" legend=${labels.requirements} hint=${t('directory.sheetEdit.requirementsHint')} options=${REQUIREMENTS}
        labelOf=${requirementLabel} selected=${values.requirements} onChange=${set('requirements')} error=${fields.requirements} />
      ${text('special_requirements')}
      ${text('alternatives')}
      ${text('notes')}
      <div class="notice"><p>${t('directory.sheetEdit.savingVerifies')}</p></div>
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t('directory.edit.save')}<//>
        <a href=${sheetAddress(sheet)}>${t('directory.edit.cancel')}</a>
      </div>
    </form>
  `;
}

export function SheetEdit({ params }) {
  const key = sheetKey(params);
  const sheet = useLoad(() => api('GET', apiPath(key), { query: { measure: key.measure } }), [key]);
  const authorities = useLoad(() => authoritiesOf(key.state_code), [key.state_code]);
  const { states } = useStates();
  const title = t('directory.sheetEdit.title');
  if (sheet.error && MISSING.has(sheet.error.status)) return html`<${NotFound} />`;
  const failed = sheet.error || authorities.error;
  if (failed) return html`<${Page} title=${title}><div class="notice warning" role="alert"><p>${problemMessage(failed)}</p></div><//>`;
  if (!sheet.data || !authorities.data) return html`<${Page} title=${title}><${Skeleton} rows=${8} /><//>`;
  const entry = sheet.data;
  const stateName = stateNameOf(states, entry.state_code);
  if (!entry.allowed_actions.includes('edit')) {
    return html`
      <${Page} title=${title}>
        <div class="notice warning" role="status"><p>${t('directory.sheetEdit.notAllowed', { state: stateName })}</p></div>
        <p><a href=${sheetAddress(entry)}>${t('directory.sheetEdit.back')}</a></p>
      <//>
    `;
  }
  return html`
    <${Page} title=${title}>
      <p class="dir-lead">${sheetTitle(entry)} <span class="meta">(${stateName})</span></p>
      <p class="dir-audience">${t('directory.authority.audience')}</p>
      <${SheetForm} sheet=${entry} authorities=${authorities.data} stateName=${stateName} />
    <//>
  `;
}
