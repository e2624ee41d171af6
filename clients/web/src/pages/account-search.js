// Search across forums, cases and the directory (GET /search): the top bar's search field
// and the results page. The words and the scope live in the address (/search?q=&scope=), so
// a search can be bookmarked, shared and gone back to.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage, snippetParts } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';

const SCOPES = ['all', 'forums', 'cases', 'directory'];
const MAX_QUERY = 200; // the API's limit on q
const LIMIT = 50; // the API's largest page: the best 50 hits

function searchAddress(q, scope = 'all') {
  const params = new URLSearchParams();
  if (q.trim()) params.set('q', q.trim());
  if (scope && scope !== 'all') params.set('scope', scope);
  const query = params.toString();
  return query ? `/search?${query}` : '/search';
}

const INPUT_ID = 'global-search';

/** Puts keyboard focus in the top bar's search field (the `/` shortcut). */
export function focusSearch() {
  const input = document.getElementById(INPUT_ID);
  if (!input) return false;
  input.focus();
  input.select();
  return true;
}

function typingSomewhere(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

/** The global search field of the top bar; `/` anywhere outside a field focuses it. */
export function SearchBox() {
  const location = currentLocation.value;
  const onSearchPage = location.path === '/search';
  const [value, setValue] = useState(onSearchPage ? location.query.get('q') || '' : '');
  useEffect(() => {
    // Follow the address when it changes (back and forward between searches).
    if (onSearchPage) setValue(location.query.get('q') || '');
  }, [onSearchPage, location.query.toString()]);
  useEffect(() => {
    const onKey = (event) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.defaultPrevented || typingSomewhere(event.target)) return;
      if (focusSearch()) event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const submit = (event) => {
    event.preventDefault();
    const scope = onSearchPage ? location.query.get('scope') || 'all' : 'all';
    navigate(searchAddress(value, scope));
  };
  return html`
    <form class="global-search" role="search" aria-label=${t('account.search.landmark')} onSubmit=${submit}>
      <label class="visually-hidden" for=${INPUT_ID}>${t('account.search.label')}</label>
      <input type="search" id=${INPUT_ID} name="q" value=${value} maxlength=${MAX_QUERY}
        placeholder=${t('account.search.placeholder')} aria-keyshortcuts="/"
        onInput=${(e) => setValue(e.currentTarget.value)} />
      <button type="submit" class="global-search-button">${t('account.search.submit')}</button>
    </form>
  `;
}

// The snippet splitter is shared (components.js); tests/web/test_account.py imports it from here.
export { snippetParts };

function Snippet({ text }) {
  return html`<p class="search-snippet">${snippetParts(text).map((part, i) =>
    part.marked ? html`<mark key=${i}>${part.text}</mark>` : part.text,
  )}</p>`;
}

function kindOf(hit) {
  const key = `account.search.type.${hit.type}`;
  const label = t(key);
  return label === key ? t(`account.search.scope.${hit.scope}`) : label;
}

function Hit({ hit }) {
  return html`
    <li class="search-hit">
      <h2 class="search-hit-title"><a href=${hit.link}>${hit.title}</a></h2>
      <p class="meta"><span class="badge">${kindOf(hit)}</span></p>
      <${Snippet} text=${hit.snippet} />
    </li>
  `;
}

function ScopeTabs({ q, scope }) {
  return html`
    <nav class="scope-tabs" aria-label=${t('account.search.scopes')}>
      <ul>
        ${SCOPES.map(
          (name) => html`<li key=${name}>
            <a href=${searchAddress(q, name)} aria-current=${name === scope ? 'page' : undefined}>
              ${t(`account.search.scope.${name}`)}
            </a>
          </li>`,
        )}
      </ul>
    </nav>
  `;
}

function SearchForm({ q, scope }) {
  const [value, setValue] = useState(q);
  const input = useRef(null);
  useEffect(() => setValue(q), [q]);
  const submit = (event) => {
    event.preventDefault();
    navigate(searchAddress(value, scope));
  };
  return html`
    <form class="search-form" role="search" aria-label=${t('account.search.pageLandmark')} onSubmit=${submit} novalidate>
      <div class="field">
        <label for="field-search-q">${t('account.search.words')}</label>
        <span class="hint" id="field-search-q-hint">${t('account.search.wordsHint')}</span>
        <div class="search-row">
          <input type="search" id="field-search-q" name="q" ref=${input} value=${value} maxlength=${MAX_QUERY}
            aria-describedby="field-search-q-hint" onInput=${(e) => setValue(e.currentTarget.value)} />
          <${Button} type="submit">${t('account.search.submit')}<//>
        </div>
      </div>
    </form>
  `;
}

export function Search() {
  const query = currentLocation.value.query;
  const q = (query.get('q') || '').trim();
  const requested = query.get('scope') || 'all';
  const scope = SCOPES.includes(requested) ? requested : 'all';
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    setResult(null);
    setError(null);
    if (!q) return undefined;
    const controller = new AbortController();
    api('GET', '/search', { query: { q: q.slice(0, MAX_QUERY), scope, limit: LIMIT }, signal: controller.signal })
      .then(setResult)
      .catch((problem) => {
        if (problem.name !== 'AbortError') setError(problem);
      });
    return () => controller.abort();
  }, [q, scope]);

  const scopeName = t(`account.search.scope.${scope}`);
  let content;
  if (!q) {
    content = html`<div class="search-empty">
      <p><strong>${t('account.search.noQuery')}</strong></p>
      <p>${t('account.search.noQueryHelp')}</p>
    </div>`;
  } else if (error && error.status === 403) {
    content = html`<div class="notice warning" role="alert"><p>${t('account.search.notAllowed')}</p></div>`;
  } else if (error) {
    content = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  } else if (!result) {
    content = html`<${Skeleton} rows=${4} />`;
  } else if (result.items.length === 0) {
    content = html`<div class="search-empty" role="status">
      <p><strong>${scope === 'all'
        ? t('account.search.emptyAll', { q })
        : t('account.search.emptyScope', { q, scope: scopeName })}</strong></p>
      <p>${t('account.search.emptyWhy')}</p>
      <ul>
        <li>${t('account.search.emptySpelling')}</li>
        <li>${t('account.search.emptyFewer')}</li>
        ${scope !== 'all'
          ? html`<li><a href=${searchAddress(q, 'all')}>${t('account.search.emptyEverywhere')}</a></li>`
          : null}
      </ul>
    </div>`;
  } else {
    const count = result.items.length;
    content = html`
      <p role="status">${count >= LIMIT
        ? t('account.search.best', { count })
        : t('account.search.count', { count, q })}</p>
      <ol class="search-hits">${result.items.map((hit) => html`<${Hit} key=${`${hit.type}-${hit.id}`} hit=${hit} />`)}</ol>
    `;
  }
  return html`
    <${Page} title=${q ? t('account.search.titleFor', { q }) : t('account.search.title')}>
      <${SearchForm} q=${q} scope=${scope} />
      <${ScopeTabs} q=${q} scope=${scope} />
      <p class="meta">${t('account.search.visibility')}</p>
      ${content}
    <//>
  `;
}
