// Two States' requirement sheets side by side (/compare?state_a=&state_b=&request_type=),
// field by field from GET /requirements/compare, each difference said in words.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import {
  AUTHORITY_TYPES,
  MEASURES,
  Rendered,
  StateOptions,
  Verified,
  languageList,
  measureLabel,
  requirementLabel,
  sheetAddress,
  typeLabel,
  useLoad,
  useStates,
  yesNo,
} from './directory-common.js';

const PARAMS = ['state_a', 'state_b', 'request_type', 'measure'];
// Fields whose text the API also sends rendered (`<field>_html`).
const RENDERED = new Set(['legal_framework', 'special_requirements', 'alternatives', 'notes']);

function paramsFrom(query) {
  return Object.fromEntries(PARAMS.map((name) => [name, (query.get(name) || '').trim()]));
}

function addressOf(values) {
  const params = new URLSearchParams();
  for (const name of PARAMS) if (values[name]) params.set(name, values[name]);
  return `/compare?${params}`;
}

function Choose({ applied, states }) {
  const [values, setValues] = useState(applied);
  useEffect(() => setValues(applied), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf(values));
  };
  return html`
    <form class="dir-filters" aria-label=${t('directory.compare.choose')} onSubmit=${submit} novalidate>
      <div class="dir-filter-row">
        <${Field} as="select" name="state_a" label=${t('directory.compare.stateA')} value=${values.state_a} onInput=${set('state_a')}>
          <option value="">${t('directory.finder.chooseState')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="state_b" label=${t('directory.compare.stateB')} value=${values.state_b} onInput=${set('state_b')}>
          <option value="">${t('directory.finder.chooseState')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="request_type" label=${t('directory.compare.type')} value=${values.request_type} onInput=${set('request_type')}>
          <option value="">${t('directory.compare.chooseType')}</option>
          ${AUTHORITY_TYPES.map((type) => html`<option key=${type} value=${type}>${typeLabel(type)}</option>`)}
        <//>
        <${Field} as="select" name="measure" label=${t('directory.compare.measure')} optional=${true} value=${values.measure} onInput=${set('measure')}>
          <option value="">${t('directory.finder.generalMeasure')}</option>
          ${MEASURES.map((m) => html`<option key=${m} value=${m}>${measureLabel(m)}</option>`)}
        <//>
      </div>
      <div class="actions"><${Button} type="submit">${t('directory.compare.submit')}<//></div>
    </form>
  `;
}

function fieldName(field) {
  const key = `directory.sheetField.${field}`;
  const text = t(key);
  return text === key ? field : text;
}

function Cell({ field, side }) {
  const sheet = side.sheet;
  if (!sheet) return html`<span class="meta">${t('directory.compare.noSheet')}</span>`;
  const value = sheet[field];
  const empty = html`<span class="meta">${t('directory.notStated')}</span>`;
  if (RENDERED.has(field)) return html`<${Rendered} html=${sheet[`${field}_html`]} fallback=${t('directory.notStated')} />`;
  if (field === 'possible') return yesNo(value);
  if (field === 'languages') return value.length ? languageList(value) : empty;
  if (field === 'requirements') {
    return value.length
      ? html`<ul class="dir-plain">${value.map((r) => html`<li key=${r}>${requirementLabel(r)}</li>`)}</ul>`
      : t('directory.sheet.noRequirements');
  }
  if (field === 'receiving_authority_id') {
    return value ? html`<a href=${`/authorities/${value}`}>${t('directory.compare.receivingAuthority', { state: side.state.name })}</a>` : empty;
  }
  return value === null || value === undefined || value === '' ? empty : String(value);
}

function Comparison({ comparison }) {
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const { a, b } = comparison;
  const differing = comparison.fields.filter((f) => !f.same).length;
  const shown = onlyDifferences ? comparison.fields.filter((f) => !f.same) : comparison.fields;
  const sheetTitle = comparison.measure
    ? t('directory.sheet.titleMeasure', { type: typeLabel(comparison.request_type), measure: measureLabel(comparison.measure) })
    : t('directory.sheet.titleGeneral', { type: typeLabel(comparison.request_type) });
  return html`
    <h2>${t('directory.compare.heading', { a: a.state.name, b: b.state.name })}</h2>
    <p class="dir-lead">${sheetTitle}</p>
    <div class="dir-compare-sides">
      ${[a, b].map(
        (side) => html`<div class="dir-compare-side" key=${side.state.code}>
          <h3>${side.state.name}</h3>
          ${side.sheet
            ? html`
                ${comparison.measure && side.sheet.measure !== comparison.measure
                  ? html`<p>${t('directory.compare.generalInstead')}</p>`
                  : null}
                <${Verified} iso=${side.sheet.last_verified_at} stale=${side.sheet.stale} />
                <p><a href=${sheetAddress(side.sheet)}>${t('directory.compare.openSheet', { state: side.state.name })}</a></p>`
            : html`<p>${t('directory.compare.noSheetFor', { state: side.state.name })}</p>`}
          <p><a href=${`/directory?state=${side.state.code}`}>${t('directory.compare.authoritiesOf', { state: side.state.name })}</a></p>
        </div>`,
      )}
    </div>
    <p role="status"><strong>${t('directory.compare.differCount', { count: differing, total: comparison.fields.length })}</strong></p>
    <div class="field checkbox">
      <input type="checkbox" id="only-differences" checked=${onlyDifferences} onChange=${(e) => setOnlyDifferences(e.currentTarget.checked)} />
      <label for="only-differences">${t('directory.compare.onlyDifferences')}</label>
    </div>
    <div class="dir-compare-fields">
      ${shown.map(
        (field) => html`<section class=${field.same ? 'dir-compare-field' : 'dir-compare-field dir-differs'} key=${field.field}
          aria-labelledby=${`cmp-${field.field}`}>
          <h3 id=${`cmp-${field.field}`}>${fieldName(field.field)}
            ${' '}<span class=${field.same ? 'badge' : 'badge dir-badge-warning'}>${field.same ? t('directory.compare.same') : t('directory.compare.different')}</span></h3>
          <div class="dir-compare-cells">
            ${[a, b].map(
              (side) => html`<div class="dir-compare-cell" key=${side.state.code}>
                <p class="dir-cell-state">${side.state.name}</p>
                <${Cell} field=${field.field} side=${side} />
              </div>`,
            )}
          </div>
        </section>`,
      )}
    </div>
  `;
}

export function Compare() {
  const applied = paramsFrom(currentLocation.value.query);
  const { states, error: statesError } = useStates();
  const ready = applied.state_a && applied.state_b && applied.request_type;
  const comparison = useLoad(
    () => (ready ? api('GET', '/requirements/compare', { query: applied }) : Promise.resolve(null)),
    [addressOf(applied)],
  );
  let body = null;
  if (!ready) body = html`<p class="empty">${t('directory.compare.chooseFirst')}</p>`;
  else if (comparison.error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(comparison.error)}</p></div>`;
  else if (!comparison.data) body = html`<${Skeleton} rows=${6} />`;
  else body = html`<${Comparison} comparison=${comparison.data} />`;
  return html`
    <${Page} title=${t('directory.compare.title')}>
      <p>${t('directory.compare.intro')}</p>
      ${statesError ? html`<div class="notice warning" role="alert"><p>${problemMessage(statesError)}</p></div>` : null}
      <${Choose} applied=${applied} states=${states} />
      ${body}
    <//>
  `;
}
