// Obstacles and solutions (/catalogue/obstacles?requesting_state=&requested_state=&measure=):
// what the network knows for a pair of States and/or a measure. Counts of cases only, each
// shown by the API where at least three cases stand behind it and "fewer than 3" where it
// withholds it (null); then the published entries' obstacles, solutions and lessons. The
// choices live in the address, so the finder's answer links straight to its pair and measure.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { groundLabel } from './cases-common.js';
import { MEASURES, StateOptions, measureLabel, useStates } from './directory-common.js';
import { countText, entryAddress } from './catalogue-common.js';

const CHOICES = ['requesting_state', 'requested_state', 'measure'];
const DELAYS = ['reported_delay', 'postponed', 'information_requested', 'went_overdue'];

function choicesFrom(query) {
  return Object.fromEntries(CHOICES.map((name) => [name, query.get(name) || '']));
}

function addressOf(choices) {
  const params = new URLSearchParams();
  for (const name of CHOICES) if (choices[name]) params.set(name, choices[name]);
  const query = params.toString();
  return query ? `/catalogue/obstacles?${query}` : '/catalogue/obstacles';
}

function Choices({ applied, states }) {
  const [values, setValues] = useState(applied);
  useEffect(() => setValues(applied), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf(values));
  };
  return html`
    <form class="cat-obstacle-form" onSubmit=${submit} novalidate aria-label=${t('catalogue.obstacles.choose')}>
      <div class="cat-filter-row">
        <${Field} as="select" name="requesting_state" label=${t('catalogue.field.requesting_state')} value=${values.requesting_state}
          onInput=${set('requesting_state')}>
          <option value="">${t('catalogue.obstacles.any')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="requested_state" label=${t('catalogue.field.requested_state')} value=${values.requested_state}
          onInput=${set('requested_state')}>
          <option value="">${t('catalogue.obstacles.any')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="measure" label=${t('catalogue.obstacles.measure')} value=${values.measure} onInput=${set('measure')}>
          <option value="">${t('catalogue.obstacles.any')}</option>
          ${MEASURES.map((m) => html`<option key=${m} value=${m}>${measureLabel(m)}</option>`)}
        <//>
      </div>
      <div class="actions"><${Button} type="submit">${t('catalogue.obstacles.show')}<//></div>
    </form>
  `;
}

function Counts({ counts }) {
  const min = counts.min_cases;
  const grounds = Object.entries(counts.refusal_grounds || {}).sort((a, b) => b[1] - a[1]);
  return html`
    <section aria-labelledby="counts-heading">
      <h2 id="counts-heading">${t('catalogue.obstacles.counts')}</h2>
      <p class="hint">${t('catalogue.obstacles.countsHint', { count: min })}</p>
      <div class="cat-table-wrap">
        <table class="cat-table cat-counts">
          <caption class="visually-hidden">${t('catalogue.obstacles.counts')}</caption>
          <tbody>
            <tr><th scope="row">${t('catalogue.obstacles.cases')}</th><td class="cat-num">${countText(counts.cases, min)}</td></tr>
            <tr><th scope="row">${t('catalogue.obstacles.refused')}</th><td class="cat-num">${countText(counts.refused, min)}</td></tr>
            ${grounds.map(
              ([ground, n]) => html`<tr key=${ground} class="cat-row-sub">
                <th scope="row">${t('catalogue.obstacles.ground', { ground: groundLabel(ground) })}</th>
                <td class="cat-num">${countText(n, min)}</td>
              </tr>`,
            )}
            ${DELAYS.map(
              (name) => html`<tr key=${name}>
                <th scope="row">${t(`catalogue.delay.${name}`)}</th>
                <td class="cat-num">${countText((counts.delays || {})[name], min)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${grounds.length === 0 ? html`<p class="meta">${t('catalogue.obstacles.noGrounds', { count: min })}</p>` : null}
    </section>
  `;
}

function Entries({ id, title, entries, empty }) {
  return html`
    <section aria-labelledby=${id}>
      <h2 id=${id}>${title}</h2>
      ${entries.length === 0
        ? html`<p class="empty">${empty}</p>`
        : html`<ul class="cat-obstacle-entries">
            ${entries.map(
              (entry) => html`<li key=${entry.id} class="cat-obstacle-entry">
                <h3><a href=${entryAddress(entry.id)}>${entry.title}</a></h3>
                ${entry.measures.length ? html`<p class="meta">${entry.measures.map(measureLabel).join(', ')}</p>` : null}
                <dl class="cat-facts">
                  ${['obstacles', 'solutions', 'lessons'].map((name) =>
                    entry[name]
                      ? html`<div class="cat-fact" key=${name}><dt>${t(`catalogue.field.${name}`)}</dt><dd class="cat-plain-text">${entry[name]}</dd></div>`
                      : null,
                  )}
                </dl>
              </li>`,
            )}
          </ul>`}
    </section>
  `;
}

export function Obstacles() {
  const applied = choicesFrom(currentLocation.value.query);
  const chosen = CHOICES.some((name) => applied[name]);
  const { states, error: statesError } = useStates();
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const key = addressOf(applied);
  useEffect(() => {
    setFound(null);
    setError(null);
    if (!chosen) return;
    api('GET', '/catalogue/obstacles', { query: applied }).then(setFound).catch(setError);
  }, [key]);
  const names = new Map((states || []).map((s) => [s.code, s.name]));
  const name = (code) => names.get(code) || code;

  let body = null;
  if (!chosen) body = html`<p class="empty">${t('catalogue.obstacles.pick')}</p>`;
  else if (error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!found) body = html`<${Skeleton} rows=${5} />`;
  else {
    const pair = found.requesting_state && found.requested_state;
    body = html`
      <p class="cat-lead" role="status">${[
        found.requesting_state ? t('catalogue.obstacles.from', { state: name(found.requesting_state) }) : null,
        found.requested_state ? t('catalogue.obstacles.to', { state: name(found.requested_state) }) : null,
        found.measure ? t('catalogue.obstacles.about', { measure: measureLabel(found.measure) }) : null,
      ]
        .filter(Boolean)
        .join(' · ')}</p>
      <${Counts} counts=${found.cases} />
      ${pair
        ? html`<${Entries} id="pair-heading" title=${t('catalogue.obstacles.pairEntries', { a: name(found.requesting_state), b: name(found.requested_state) })}
            entries=${found.pair_entries} empty=${t('catalogue.obstacles.noPairEntries')} />`
        : null}
      ${found.measure
        ? html`<${Entries} id="measure-heading" title=${t('catalogue.obstacles.measureEntries', { measure: measureLabel(found.measure) })}
            entries=${found.measure_entries} empty=${t('catalogue.obstacles.noMeasureEntries')} />`
        : null}
    `;
  }
  return html`
    <${Page} title=${t('catalogue.obstacles.title')}>
      <nav class="breadcrumbs" aria-label=${t('catalogue.entry.breadcrumbs')}>
        <a href="/catalogue">${t('catalogue.browse.title')}</a> › <span aria-current="page">${t('catalogue.obstacles.title')}</span>
      </nav>
      <p>${t('catalogue.obstacles.intro')}</p>
      ${statesError ? html`<div class="notice warning" role="alert"><p>${problemMessage(statesError)}</p></div>` : null}
      <${Choices} applied=${applied} states=${states} />
      ${body}
    <//>
  `;
}
