// The published catalogue (/catalogue): search, facets with their counts (each a link that
// adds or removes its filter; the filters live in the address so a view can be bookmarked),
// the results with "More", the export, and the figures the Conference asks for (the Convention
// against treaties, reciprocity and domestic law, by region and year) as a table with bars.
import { useCallback, useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { typeLabel, useStates } from './directory-common.js';
import { LoadMore, usePaged } from './forums-common.js';
import { FACETS, LEGAL_BASES, basisLabel, entryAddress, facetValueLabel, kindLabel, placeText } from './catalogue-common.js';

const PAGE_SIZE = 20;
const FILTERS = ['q', ...FACETS];

function filtersFrom(query) {
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || '']));
}

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = String(filters[name] || '').trim();
    if (value) params.set(name, value);
  }
  const query = params.toString();
  return query ? `/catalogue?${query}` : '/catalogue';
}

function SearchForm({ applied }) {
  const [q, setQ] = useState(applied.q);
  useEffect(() => setQ(applied.q), [applied.q]);
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf({ ...applied, q }));
  };
  return html`
    <form class="cat-search" role="search" aria-label=${t('catalogue.browse.searchLabel')} onSubmit=${submit} novalidate>
      <${Field} name="q" type="search" label=${t('catalogue.browse.q')} hint=${t('catalogue.browse.qHint')} value=${q} onInput=${setQ} maxlength="200" />
      <div class="actions"><${Button} type="submit">${t('catalogue.browse.search')}<//></div>
    </form>
  `;
}

/** Each facet's values with their counts; a chosen value is marked and its link removes it. */
function Facets({ facets, applied }) {
  const chosen = FACETS.filter((name) => applied[name]);
  return html`
    <nav class="cat-facets" aria-label=${t('catalogue.browse.facets')}>
      <h2 class="cat-facets-title">${t('catalogue.browse.refine')}</h2>
      ${chosen.length
        ? html`<p><a href=${addressOf({ q: applied.q })}>${t('catalogue.browse.clear')}</a></p>`
        : null}
      ${FACETS.map((name) => {
        const values = facets[name] || [];
        const current = applied[name];
        return html`
          <section key=${name} class="cat-facet" aria-labelledby=${`facet-${name}`}>
            <h3 id=${`facet-${name}`}>${t(`catalogue.facet.${name}`)}</h3>
            ${values.length === 0
              ? html`<p class="meta">${t('catalogue.browse.noValues')}</p>`
              : html`<ul>
                  ${values.map(({ value, count }) => {
                    const on = String(value) === current;
                    const href = addressOf({ ...applied, [name]: on ? '' : value });
                    const text = facetValueLabel(name, value);
                    return html`<li key=${value}>
                      <a href=${href} aria-current=${on ? 'true' : undefined} class=${on ? 'cat-facet-on' : undefined}>
                        ${on ? html`<span class="cat-facet-mark" aria-hidden="true">✓ </span>` : null}${text}
                        <span class="visually-hidden">${on ? `, ${t('catalogue.browse.chosen')}` : ''}</span>
                      </a> <span class="meta">(${t('catalogue.browse.count', { count })})</span>
                    </li>`;
                  })}
                </ul>`}
          </section>
        `;
      })}
    </nav>
  `;
}

function Result({ entry, names }) {
  const summary = entry.summary.length > 280 ? `${entry.summary.slice(0, 277)}…` : entry.summary;
  return html`
    <li class="cat-result">
      <h3><a href=${entryAddress(entry.id)}>${entry.title}</a></h3>
      <p class="meta">
        ${kindLabel(entry.kind)}
        ${entry.cooperation_type ? ` · ${typeLabel(entry.cooperation_type)}` : ''}
        ${entry.legal_basis ? ` · ${basisLabel(entry.legal_basis)}` : ''}
        ${` · ${placeText(entry, names)}`}
        ${entry.published_at ? ` · ${t('catalogue.browse.published', { date: formatDate(entry.published_at) })}` : ''}
      </p>
      ${summary ? html`<p>${summary}</p>` : null}
    </li>
  `;
}

/** A stacked bar: the Convention's share filled, the rest outlined, scaled to the largest row. */
function Bar({ row, max }) {
  const width = 160;
  const total = row.total || 0;
  const whole = max ? (total / max) * width : 0;
  const convention = total ? (row.convention / total) * whole : 0;
  return html`<svg class="cat-bar" viewBox=${`0 0 ${width} 14`} width=${width} height="14" aria-hidden="true" focusable="false">
    ${whole > 0 ? html`<rect class="cat-bar-other" x="0.5" y="1" width=${Math.max(1, whole - 1)} height="12" />` : null}
    ${convention > 0 ? html`<rect class="cat-bar-convention" x="0.5" y="1" width=${Math.max(1, convention - 1)} height="12" />` : null}
  </svg>`;
}

function Figures({ regionOf }) {
  const [figures, setFigures] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setFigures(null);
    setError(null);
    api('GET', '/catalogue/figures', { query: { region_of: regionOf } }).then(setFigures).catch(setError);
  }, [regionOf]);
  const other = regionOf === 'requested' ? 'requesting' : 'requested';
  const switchHref = () => {
    const params = new URLSearchParams(currentLocation.value.query);
    params.set('region_of', other);
    return `/catalogue?${params}`;
  };
  let body;
  if (error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!figures) body = html`<${Skeleton} rows=${3} />`;
  else if (!figures.total.total) body = html`<p class="empty">${t('catalogue.figures.none')}</p>`;
  else {
    const rows = [];
    const regions = [...new Set(figures.by_region.map((r) => r.region))];
    for (const region of regions) {
      for (const row of figures.by_region_and_year.filter((r) => r.region === region)) rows.push({ ...row, kind: 'cell' });
      const sum = figures.by_region.find((r) => r.region === region);
      rows.push({ ...sum, year: null, kind: 'region' });
    }
    for (const row of figures.by_year) rows.push({ ...row, region: null, kind: 'year' });
    rows.push({ ...figures.total, region: null, year: null, kind: 'total' });
    const max = Math.max(...rows.filter((r) => r.kind !== 'total' && r.kind !== 'region').map((r) => r.total), 1);
    const regionText = (r) => (r.region === null ? t('catalogue.figures.allRegions') : r.region || t('catalogue.figures.unknownRegion'));
    const yearText = (r) => (r.year === null ? t('catalogue.figures.allYears') : String(r.year));
    body = html`
      <div class="cat-table-wrap">
        <table class="cat-table">
          <caption>${t(`catalogue.figures.caption.${regionOf}`)}</caption>
          <thead>
            <tr>
              <th scope="col">${t('catalogue.figures.region')}</th>
              <th scope="col">${t('catalogue.figures.year')}</th>
              ${LEGAL_BASES.map((b) => html`<th scope="col" key=${b}>${basisLabel(b)}</th>`)}
              <th scope="col">${t('catalogue.figures.total')}</th>
              <th scope="col"><span class="visually-hidden">${t('catalogue.figures.barLabel')}</span><span aria-hidden="true">${t('catalogue.figures.bar')}</span></th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r, i) => html`<tr key=${i} class=${`cat-row-${r.kind}`}>
                <th scope="row">${regionText(r)}</th>
                <td>${yearText(r)}</td>
                ${LEGAL_BASES.map((b) => html`<td key=${b} class="cat-num">${formatNumber(r[b] || 0)}</td>`)}
                <td class="cat-num">${formatNumber(r.total || 0)}</td>
                <td>${r.kind === 'cell' || r.kind === 'year' ? html`<${Bar} row=${r} max=${max} />` : null}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="meta cat-legend">
        <svg class="cat-legend-swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect class="cat-bar-convention" x="1" y="1" width="12" height="12" /></svg>
        ${t('catalogue.figures.legendConvention')}
        <svg class="cat-legend-swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect class="cat-bar-other" x="1" y="1" width="12" height="12" /></svg>
        ${t('catalogue.figures.legendOther')}
      </p>
    `;
  }
  return html`
    <section aria-labelledby="figures-heading" class="cat-figures">
      <h2 id="figures-heading">${t('catalogue.figures.title')}</h2>
      <p>${t('catalogue.figures.intro')}</p>
      <p><a href=${switchHref()}>${t(`catalogue.figures.switch.${other}`)}</a></p>
      ${body}
    </section>
  `;
}

export function Catalogue() {
  const query = currentLocation.value.query;
  const applied = filtersFrom(query);
  const regionOf = query.get('region_of') === 'requesting' ? 'requesting' : 'requested';
  const key = addressOf(applied);
  const filterQuery = Object.fromEntries(Object.entries(applied).filter(([, v]) => v));
  const load = useCallback(
    (cursor) => api('GET', '/catalogue/entries', { query: { ...filterQuery, cursor, limit: PAGE_SIZE } }),
    [key],
  );
  const paged = usePaged(load, key);
  const { states } = useStates();
  const names = new Map((states || []).map((s) => [s.code, s.name]));
  const [facets, setFacets] = useState(null);
  const [facetError, setFacetError] = useState(null);
  useEffect(() => {
    setFacetError(null);
    api('GET', '/catalogue/facets', { query: filterQuery }).then(setFacets).catch(setFacetError);
  }, [key]);

  let results;
  if (paged.error && !paged.items) results = html`<div class="notice warning" role="alert"><p>${problemMessage(paged.error)}</p></div>`;
  else if (!paged.items) results = html`<${Skeleton} rows=${4} />`;
  else if (paged.items.length === 0) {
    results = html`<div class="cat-empty">
      <p class="empty">${Object.keys(filterQuery).length ? t('catalogue.browse.noMatch') : t('catalogue.browse.emptyCatalogue')}</p>
      ${Object.keys(filterQuery).length ? html`<p><a href="/catalogue">${t('catalogue.browse.clearAll')}</a></p>` : null}
    </div>`;
  } else {
    results = html`
      <ul class="cat-results">${paged.items.map((entry) => html`<${Result} key=${entry.id} entry=${entry} names=${names} />`)}</ul>
      ${paged.error ? html`<div class="notice warning" role="alert"><p>${problemMessage(paged.error)}</p></div>` : null}
      <${LoadMore} paged=${paged} label=${t('catalogue.browse.more')} />
    `;
  }

  return html`
    <${Page} title=${t('catalogue.browse.title')}>
      <p class="cat-lead">${t('catalogue.browse.intro')}</p>
      <ul class="cat-links">
        <li><a href="/catalogue/new">${t('catalogue.browse.writeNote')}</a></li>
        <li><a href="/catalogue/queue">${t('catalogue.browse.queue')}</a></li>
        <li><a href="/catalogue/obstacles">${t('catalogue.browse.obstacles')}</a></li>
      </ul>
      <${SearchForm} applied=${applied} />
      <div class="cat-browse">
        <div class="cat-browse-facets">
          ${facetError
            ? html`<div class="notice warning" role="alert"><p>${problemMessage(facetError)}</p></div>`
            : facets
              ? html`<${Facets} facets=${facets} applied=${applied} />`
              : html`<${Skeleton} rows=${5} />`}
        </div>
        <section class="cat-browse-results" aria-labelledby="results-heading">
          <h2 id="results-heading">${t('catalogue.browse.results')}</h2>
          <p role="status" class="cat-total">${facets ? t('catalogue.browse.total', { count: facets.total }) : ''}</p>
          ${results}
          <h3 class="cat-export-heading">${t('catalogue.browse.export')}</h3>
          <p>${t('catalogue.browse.exportIntro')}</p>
          <ul class="cat-links">
            <li><a href="/api/v1/catalogue/export?format=json" download="catalogue.json">${t('catalogue.browse.exportJson')}</a></li>
            <li><a href="/api/v1/catalogue/export?format=csv" download="catalogue.csv">${t('catalogue.browse.exportCsv')}</a></li>
          </ul>
        </section>
      </div>
      <${Figures} regionOf=${regionOf} />
    <//>
  `;
}
