// What the library's pages share: the kinds of document in words, a document's line in a
// list, file sizes, and the "laws and treaties" section the directory's pages show from the
// `library_url` the API gives them.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { languageName, useStates } from './directory-common.js';

// The API's document kinds (docs/library.md), in its order.
export const KINDS = [
  'national_law',
  'bilateral_treaty',
  'multilateral_treaty',
  'model_law',
  'model_treaty',
  'manual',
  'form',
];

function label(prefix, value) {
  const key = `library.${prefix}.${value}`;
  const text = t(key);
  return text === key ? value : text;
}

export const kindLabel = (kind) => label('kind', kind);

export function bytes(size) {
  if (size < 1024) return t('library.size.bytes', { count: size });
  if (size < 1024 * 1024) return t('library.size.kb', { size: (size / 1024).toFixed(1) });
  return t('library.size.mb', { size: (size / (1024 * 1024)).toFixed(1) });
}

/** The API's paths (`/api/v1/...`) as api() takes them. */
export function apiPath(url) {
  return url.startsWith('/api/v1/') ? url.slice('/api/v1'.length) : url;
}

export function stateNames(states) {
  return new Map((states || []).map((s) => [s.code, s.name]));
}

/** "National law or regulation · France · French · Version of 1 March 2024". */
export function documentLine(doc, names) {
  const parts = [kindLabel(doc.kind)];
  if (doc.state_code) parts.push(names.get(doc.state_code) || doc.state_code);
  parts.push(languageName(doc.language));
  if (doc.version_date) parts.push(t('library.versionDate', { date: formatDate(doc.version_date) }));
  return parts.join(' · ');
}

function reasonText(reason, doc, names) {
  if (reason === 'national_law') return t('library.reason.national_law', { state: names.get(doc.state_code) || doc.state_code });
  return label('reason', reason);
}

/** One document in a list: its title (to its page), what it is, its summary, why it is here. */
export function DocumentItem({ doc, names, headingLevel = 3 }) {
  const Heading = `h${headingLevel}`;
  return html`
    <li class="dir-result">
      <${Heading}><a href=${`/library/documents/${doc.id}`}>${doc.title}</a><//>
      <p class="meta">${documentLine(doc, names)}${doc.file ? ` · ${doc.file.filename}` : ''}</p>
      ${doc.summary ? html`<p class="dir-long-text">${doc.summary}</p>` : null}
      ${doc.reasons && doc.reasons.length
        ? html`<p>${doc.reasons.map((r) => html`<span class="tag" key=${r}>${reasonText(r, doc, names)}</span> `)}</p>`
        : null}
    </li>
  `;
}

/** The client's library page for a `browse_url` (`/api/v1/library/documents?state=FRA`). */
function browseAddress(url) {
  const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  return `/library${query}`;
}

/**
 * The documents of the library that apply (GET `url`, a `library_url` of the directory's
 * answers): linked ones first, then the State's laws, each with why it is listed.
 */
export function ApplicableDocuments({ url, headingLevel = 2 }) {
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const { states } = useStates();
  useEffect(() => {
    let live = true;
    setAnswer(null);
    setError(null);
    if (!url) return undefined;
    api('GET', apiPath(url))
      .then((data) => live && setAnswer(data))
      .catch((problem) => live && setError(problem));
    return () => {
      live = false;
    };
  }, [url]);
  if (!url) return null;
  const Heading = `h${headingLevel}`;
  const names = stateNames(states);
  let content;
  if (error) content = html`<p role="alert">${t('library.applicable.loadFailed', { reason: problemMessage(error) })}</p>`;
  else if (!answer) content = html`<${Skeleton} rows=${2} />`;
  else {
    const state = answer.browse_url ? new URLSearchParams(answer.browse_url.split('?')[1] || '').get('state') : null;
    content = html`
      ${answer.items.length
        ? html`<ul class="dir-results">${answer.items.map((doc) => html`<${DocumentItem} key=${doc.id} doc=${doc} names=${names} headingLevel=${headingLevel + 1} />`)}</ul>`
        : html`<p class="empty">${t('library.applicable.none')}</p>`}
      ${answer.browse_url
        ? html`<p><a href=${browseAddress(answer.browse_url)}>${t('library.applicable.browse', { state: names.get(state) || state })}</a></p>`
        : null}
    `;
  }
  return html`
    <section aria-labelledby="library-heading">
      <${Heading} id="library-heading">${t('library.applicable.title')}<//>
      ${content}
    </section>
  `;
}
