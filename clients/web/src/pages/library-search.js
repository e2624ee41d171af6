// The library: search and filter its documents (GET /library/documents). The filters live in
// the address (/library?q=&state=&kind=&language=&tag=), so a filtered view can be bookmarked
// and shared; the list pages through the API's cursor with "Load more".
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { me } from '../session.js';
import { StateOptions, allLanguages, languageName, useStates } from './directory-common.js';
import { DocumentItem, KINDS, kindLabel, stateNames } from './library-common.js';

const FILTERS = ['q', 'state', 'kind', 'language', 'tag'];
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
  return query ? `/library?${query}` : '/library';
}

function describe(filters, names) {
  const parts = [];
  if (filters.q) parts.push(`“${filters.q}”`);
  if (filters.state) parts.push(names.get(filters.state) || filters.state);
  if (filters.kind) parts.push(kindLabel(filters.kind));
  if (filters.language) parts.push(languageName(filters.language));
  if (filters.tag) parts.push(`#${filters.tag}`);
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
    <form class="dir-filters" role="search" aria-label=${t('library.search.filters')} onSubmit=${submit} novalidate>
      <div class="dir-filter-row">
        <${Field} name="q" type="search" label=${t('library.search.q')} hint=${t('library.search.qHint')} value=${values.q} onInput=${set('q')} maxlength="200" />
        <${Field} as="select" name="state" label=${t('library.search.state')} hint=${t('library.search.stateHint')} value=${values.state} onInput=${set('state')}>
          <option value="">${t('library.search.any')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="kind" label=${t('library.search.kind')} value=${values.kind} onInput=${set('kind')}>
          <option value="">${t('library.search.any')}</option>
          ${KINDS.map((kind) => html`<option key=${kind} value=${kind}>${kindLabel(kind)}</option>`)}
        <//>
        <${Field} as="select" name="language" label=${t('library.search.language')} value=${values.language} onInput=${set('language')}>
          <option value="">${t('library.search.any')}</option>
          ${allLanguages().map((l) => html`<option key=${l.code} value=${l.code}>${l.name}</option>`)}
        <//>
        <${Field} name="tag" label=${t('library.search.tag')} value=${values.tag} onInput=${set('tag')} maxlength="40" />
      </div>
      <div class="actions">
        <${Button} type="submit">${t('library.search.submit')}<//>
        ${any ? html`<a href="/library">${t('library.search.clear')}</a>` : null}
      </div>
    </form>
  `;
}

export function LibrarySearch() {
  const query = currentLocation.value.query;
  const applied = filtersFrom(query);
  const key = addressOf(applied);
  const { states, error: statesError } = useStates();
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const names = stateNames(states);
  const member = me.value;
  // Who may add what is the API's to say (403 otherwise); the link is for those who may add some.
  const mayAdd = member && (member.roles.includes('admin') || member.focal_point);

  const fetchPage = (cursor) => api('GET', '/library/documents', { query: { ...applied, limit: PAGE_SIZE, cursor } });

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

  // After "Load more", focus goes to the first new result.
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

  const described = describe(applied, names);
  let results;
  if (error) results = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (items === null) results = html`<${Skeleton} rows=${5} />`;
  else if (items.length === 0) {
    results = html`<div class="dir-empty-state">
      <p><strong>${described ? t('library.search.emptyFiltered') : t('library.search.emptyAll')}</strong></p>
      ${described
        ? html`<p>${described}</p><p>${t('library.search.emptyHelp')} <a href="/library">${t('library.search.clear')}</a></p>`
        : html`<p>${t('library.search.emptyAllHelp')}</p>`}
    </div>`;
  } else {
    results = html`
      <ul class="dir-results">${items.map((doc) => html`<${DocumentItem} key=${doc.id} doc=${doc} names=${names} headingLevel=${3} />`)}</ul>
      ${next
        ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${busy} onClick=${loadMore}>${t('library.search.loadMore')}<//></div>`
        : null}
    `;
  }
  return html`
    <${Page} title=${t('library.search.title')}>
      <p>${t('library.search.intro')}</p>
      <p class="dir-audience">${t('library.audience')}</p>
      ${mayAdd ? html`<div class="actions dir-page-actions"><a class="button" href="/library/new">${t('library.search.add')}</a></div>` : null}
      ${statesError ? html`<div class="notice warning" role="alert"><p>${problemMessage(statesError)}</p></div>` : null}
      <${Filters} applied=${applied} states=${states} />
      <h2 id="results-heading">${t('library.search.results')}</h2>
      <p class="meta" role="status" aria-live="polite">${items === null || error
        ? ''
        : `${next ? t('library.search.shownMore', { count: items.length }) : t('library.search.shown', { count: items.length })}${described ? ` · ${described}` : ''}`}</p>
      ${results}
    <//>
  `;
}
