// The directory: search and filter the central authorities (GET /authorities). The filters
// live in the address (/directory?q=&state=&type=...), so a filtered view can be bookmarked
// and shared; the list pages through the API's cursor with "Load more".
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage, snippetParts } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import {
  AUTHORITY_TYPES,
  CHANNELS,
  StateOptions,
  Verified,
  allLanguages,
  channelLabel,
  languageList,
  languageName,
  regionsOf,
  typeLabel,
  useStates,
} from './directory-common.js';

const FILTERS = ['q', 'state', 'region', 'type', 'language', 'channel', 'stale', 'flagged'];
const PAGE_SIZE = 25;

function filtersFrom(query) {
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || '']));
}

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = (filters[name] || '').trim();
    if (value) params.set(name, value);
  }
  const query = params.toString();
  return query ? `/directory?${query}` : '/directory';
}

/** The filters in force, in words, for the empty state and the results line. */
function describe(filters, states) {
  const names = new Map((states || []).map((s) => [s.code, s.name]));
  const parts = [];
  if (filters.q) parts.push(t('directory.search.describeQ', { q: filters.q }));
  if (filters.state) parts.push(names.get(filters.state) || filters.state);
  if (filters.region) parts.push(filters.region);
  if (filters.type) parts.push(typeLabel(filters.type));
  if (filters.language) parts.push(t('directory.search.describeLanguage', { language: languageName(filters.language) }));
  if (filters.channel) parts.push(channelLabel(filters.channel));
  if (filters.stale === 'true') parts.push(t('directory.search.describeStale'));
  if (filters.stale === 'false') parts.push(t('directory.search.describeFresh'));
  if (filters.flagged === 'true') parts.push(t('directory.search.describeFlagged'));
  return parts.join('; ');
}

function Filters({ applied, states }) {
  const [values, setValues] = useState(applied);
  useEffect(() => setValues(applied), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf(values));
  };
  const any = FILTERS.some((name) => applied[name]);
  return html`
    <form class="dir-filters" role="search" aria-label=${t('directory.search.filters')} onSubmit=${submit} novalidate>
      <div class="dir-filter-row">
        <${Field} name="q" type="search" label=${t('directory.search.q')} value=${values.q} onInput=${set('q')} maxlength="200" />
        <${Field} as="select" name="state" label=${t('directory.search.state')} value=${values.state} onInput=${set('state')}>
          <option value="">${t('directory.search.any')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="region" label=${t('directory.search.region')} value=${values.region} onInput=${set('region')}>
          <option value="">${t('directory.search.any')}</option>
          ${regionsOf(states).map(
            ({ region, subregions }) => html`<optgroup key=${region} label=${region}>
              <option value=${region}>${t('directory.search.wholeRegion', { region })}</option>
              ${subregions.map((sub) => html`<option key=${sub} value=${sub}>${sub}</option>`)}
            </optgroup>`,
          )}
        <//>
        <${Field} as="select" name="type" label=${t('directory.search.type')} value=${values.type} onInput=${set('type')}>
          <option value="">${t('directory.search.any')}</option>
          ${AUTHORITY_TYPES.map((type) => html`<option key=${type} value=${type}>${typeLabel(type)}</option>`)}
        <//>
        <${Field} as="select" name="language" label=${t('directory.search.language')} value=${values.language} onInput=${set('language')}>
          <option value="">${t('directory.search.any')}</option>
          ${allLanguages().map((l) => html`<option key=${l.code} value=${l.code}>${l.name}</option>`)}
        <//>
        <${Field} as="select" name="channel" label=${t('directory.search.channel')} value=${values.channel} onInput=${set('channel')}>
          <option value="">${t('directory.search.any')}</option>
          ${CHANNELS.map((c) => html`<option key=${c} value=${c}>${channelLabel(c)}</option>`)}
        <//>
        <${Field} as="select" name="stale" label=${t('directory.search.stale')} value=${values.stale} onInput=${set('stale')}>
          <option value="">${t('directory.search.any')}</option>
          <option value="true">${t('directory.search.staleOnly')}</option>
          <option value="false">${t('directory.search.freshOnly')}</option>
        <//>
        <div class="field checkbox dir-filter-check">
          <input type="checkbox" id="field-flagged" checked=${values.flagged === 'true'}
            onChange=${(e) => set('flagged')(e.currentTarget.checked ? 'true' : '')} />
          <label for="field-flagged">${t('directory.search.flagged')}</label>
        </div>
      </div>
      <div class="actions">
        <${Button} type="submit">${t('directory.search.submit')}<//>
        ${any ? html`<a href="/directory">${t('directory.search.clear')}</a>` : null}
      </div>
    </form>
  `;
}

function Result({ authority }) {
  return html`
    <li class="dir-result">
      <h3><a href=${`/authorities/${authority.id}`}>${authority.name}</a></h3>
      ${authority.name_original && authority.name_original !== authority.name
        ? html`<p class="dir-original">${authority.name_original}</p>`
        : null}
      <p class="meta">${authority.state_name}${authority.types.length ? ` · ${authority.types.map(typeLabel).join(', ')}` : ''}</p>
      ${authority.snippet
        ? html`<p class="dir-snippet">${snippetParts(authority.snippet).map((part, i) => (part.marked ? html`<mark key=${i}>${part.text}</mark>` : part.text))}</p>`
        : null}
      <p>
        ${authority.languages.length ? html`<span>${t('directory.languagesList', { languages: languageList(authority.languages) })}</span>` : null}
        ${authority.channels.length
          ? html`<span class="dir-sep">${t('directory.channelsList', { channels: authority.channels.map(channelLabel).join(', ') })}</span>`
          : null}
      </p>
      <${Verified} iso=${authority.last_verified_at} stale=${authority.stale} />
      ${authority.open_failure_reports > 0
        ? html`<p><span class="badge dir-badge-warning">${t('directory.failures.badge', { count: authority.open_failure_reports })}</span></p>`
        : null}
    </li>
  `;
}

export function DirectorySearch() {
  const query = currentLocation.value.query;
  const applied = filtersFrom(query);
  const key = addressOf(applied);
  const { states, error: statesError } = useStates();
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const fetchPage = (cursor) =>
    api('GET', '/authorities', { query: { ...applied, limit: PAGE_SIZE, cursor } });

  useEffect(() => {
    let live = true;
    setItems(null);
    setError(null);
    fetchPage(null)
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next_cursor);
      })
      .catch((problem) => live && setError(problem));
    return () => {
      live = false;
    };
  }, [key]);

  // After "Load more", focus goes to the first new result (the button may be gone).
  const [focusFrom, setFocusFrom] = useState(null);
  useEffect(() => {
    if (focusFrom === null) return;
    const links = document.querySelectorAll('.dir-result h3 a');
    if (links[focusFrom]) links[focusFrom].focus();
    setFocusFrom(null);
  }, [focusFrom]);

  const loadMore = async () => {
    setBusy(true);
    try {
      const page = await fetchPage(next);
      setItems([...items, ...page.items]);
      setNext(page.next_cursor);
      if (page.items.length) setFocusFrom(items.length);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  const described = describe(applied, states);
  let results;
  if (error) results = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (items === null) results = html`<${Skeleton} rows=${5} />`;
  else if (items.length === 0) {
    results = html`<div class="dir-empty-state">
      <p><strong>${described ? t('directory.search.emptyFiltered') : t('directory.search.emptyAll')}</strong></p>
      ${described
        ? html`<p>${t('directory.search.emptyFilters', { filters: described })}</p>
            <p>${t('directory.search.emptyHelp')} <a href="/directory">${t('directory.search.clear')}</a></p>`
        : html`<p>${t('directory.search.emptyAllHelp')}</p>`}
    </div>`;
  } else {
    results = html`
      <ul class="dir-results">${items.map((a) => html`<${Result} key=${a.id} authority=${a} />`)}</ul>
      ${next
        ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${busy} onClick=${loadMore}>${t('directory.search.loadMore')}<//></div>`
        : null}
    `;
  }
  return html`
    <${Page} title=${t('directory.search.title')}>
      <p>${t('directory.search.intro')} ${t('directory.search.qHint')} <a href="/finder">${t('directory.search.finderLink')}</a></p>
      ${statesError ? html`<div class="notice warning" role="alert"><p>${problemMessage(statesError)}</p></div>` : null}
      <${Filters} applied=${applied} states=${states} />
      <h2 id="results-heading">${t('directory.search.results')}</h2>
      <p class="meta" role="status" aria-live="polite">${items === null || error
        ? ''
        : `${next
            ? t('directory.search.shownMore', { count: items.length })
            : t('directory.search.shown', { count: items.length })}${described ? ` ${t('directory.search.matching', { filters: described })}` : ''}`}</p>
      ${results}
    <//>
  `;
}
