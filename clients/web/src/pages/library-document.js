// A library document's page (/library/documents/{id}): what it is, its file to download with
// its SHA-256, its official source, its links to the directory, its versions (each with its
// file), and editing when the API allows it.
import { signal } from '../../vendor/signals.mjs';
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { NotFound } from './notfound.js';
import { When, languageName, sheetAddress, sheetTitle, useLoad, useStates } from './directory-common.js';
import { bytes, kindLabel, stateNames } from './library-common.js';

/** A message for the next view of a document's page ("The document is saved"). */
export const documentNotice = signal(null);

function Fact({ term, children }) {
  if (children === null || children === undefined || children === '') return null;
  return html`<div class="dir-fact"><dt>${term}</dt><dd>${children}</dd></div>`;
}

function External({ href, children }) {
  return html`<a href=${href} rel="noopener noreferrer" target="_blank">${children}<span class="visually-hidden"> ${t('directory.opensElsewhere')}</span></a>`;
}

function Digest({ sha256 }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(sha256);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`
    <span class="case-digest">
      <span class="meta">${t('library.doc.sha256')}</span> <code class="case-hash">${sha256}</code>
      <button type="button" class="link-button" onClick=${copy}>${t('library.doc.copy')}<span class="visually-hidden"> ${t('library.doc.sha256')}</span></button>
      <span role="status" class="meta">${copied ? t('library.doc.copied') : ''}</span>
    </span>
  `;
}

/** A file: its name (downloads it), type and size, when it came. */
function FileLine({ file, withDigest = true }) {
  return html`
    <p class="case-file-name">
      <a href=${file.url} download=${file.filename}>${file.filename}</a>
      <span class="meta"> · ${t('library.fileFacts', { type: file.content_type, size: bytes(file.size) })} · <${When} iso=${file.uploaded_at} /></span>
    </p>
    ${withDigest ? html`<p><${Digest} sha256=${file.sha256} /></p>` : null}
  `;
}

function SidePanel({ doc, names }) {
  return html`
    <aside class="dir-side-panel" aria-labelledby="facts-heading">
      <h2 id="facts-heading">${t('library.doc.facts')}</h2>
      <dl class="dir-facts">
        <${Fact} term=${t('library.doc.kind')}>${kindLabel(doc.kind)}<//>
        <${Fact} term=${t('library.doc.state')}>${doc.state_code ? names.get(doc.state_code) || doc.state_code : null}<//>
        <${Fact} term=${t('library.doc.states')}>${doc.states.length > 1 ? doc.states.map((c) => names.get(c) || c).join(', ') : null}<//>
        <${Fact} term=${t('library.doc.language')}>${languageName(doc.language)}<//>
        <${Fact} term=${t('library.doc.versionDate')}>${doc.version_date ? formatDate(doc.version_date) : t('library.noVersionDate')}<//>
        <${Fact} term=${t('library.doc.tags')}>
          ${doc.tags.length
            ? html`<ul class="dir-plain">${doc.tags.map((tag) => html`<li key=${tag}><a href=${`/library?tag=${encodeURIComponent(tag)}`}>${tag}</a></li>`)}</ul>`
            : null}
        <//>
        <${Fact} term=${t('library.doc.updated')}>
          <${When} iso=${doc.updated_at} />${doc.updated_by ? ` ${t('library.doc.updatedBy', { name: doc.updated_by.full_name })}` : ''}
          <br />${t('library.doc.version', { version: doc.version })}
        <//>
      </dl>
    </aside>
  `;
}

function Links({ doc }) {
  const none = !doc.authorities.length && !doc.sheets.length && !doc.treaties.length;
  return html`
    <section aria-labelledby="links-heading">
      <h2 id="links-heading">${t('library.doc.links')}</h2>
      ${none ? html`<p class="empty">${t('library.doc.noLinks')}</p>` : null}
      ${doc.authorities.length
        ? html`<h3>${t('library.doc.authorities')}</h3>
            <ul class="dir-plain">${doc.authorities.map((a) => html`<li key=${a.id}><a href=${`/authorities/${a.id}`}>${a.name}</a></li>`)}</ul>`
        : null}
      ${doc.sheets.length
        ? html`<h3>${t('library.doc.sheets')}</h3>
            <ul class="dir-plain">${doc.sheets.map((s) => html`<li key=${s.id}><a href=${sheetAddress(s)}>${sheetTitle(s)}</a></li>`)}</ul>`
        : null}
      ${doc.treaties.length
        ? html`<h3>${t('library.doc.treaties')}</h3>
            <ul class="dir-plain">${doc.treaties.map((tr) => html`<li key=${tr.id}>${tr.title} <span class="meta">(${tr.parties.join(', ')})</span></li>`)}</ul>`
        : null}
    </section>
  `;
}

function fieldName(field) {
  const key = `library.field.${field}`;
  const text = t(key);
  return text === key ? field : text;
}

function actionName(action) {
  const key = `library.revisions.action.${action}`;
  const text = t(key);
  return text === key ? action : text;
}

function Revisions({ docId, round }) {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fetchPage = (cursor) => api('GET', `/library/documents/${docId}/revisions`, { query: { limit: 10, cursor } });
  useEffect(() => {
    fetchPage(null)
      .then((page) => {
        setItems(page.items);
        setNext(page.next_cursor);
      })
      .catch(setError);
  }, [docId, round]);
  const more = async () => {
    setBusy(true);
    try {
      const page = await fetchPage(next);
      setItems([...items, ...page.items]);
      setNext(page.next_cursor);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  let content;
  if (error) content = html`<p role="alert">${problemMessage(error)}</p>`;
  else if (!items) content = html`<${Skeleton} rows=${3} />`;
  else if (items.length === 0) content = html`<p class="empty">${t('library.revisions.none')}</p>`;
  else {
    content = html`
      <ol class="dir-timeline">
        ${items.map((revision) => {
          const changed = Object.keys(revision.changes || {});
          return html`<li key=${revision.id} class="dir-revision">
            <p class="dir-revision-head">
              <strong>${t('library.revisions.version', { version: revision.version })}: ${actionName(revision.action)}</strong>
              ${revision.actor ? ` ${t('library.revisions.by', { name: revision.actor.full_name })}` : ''}
              ${' · '}<${When} iso=${revision.created_at} withTime=${true} />
            </p>
            ${revision.note ? html`<p class="dir-long-text">${revision.note}</p>` : null}
            ${revision.action !== 'created'
              ? html`<p class="meta">${changed.length
                  ? t('library.revisions.changed', { fields: changed.map(fieldName).join(', ') })
                  : t('library.revisions.noChanges')}</p>`
              : null}
            ${revision.file
              ? html`<div><span class="meta">${t('library.revisions.fileOf')}</span> <${FileLine} file=${revision.file} withDigest=${false} /></div>`
              : null}
          </li>`;
        })}
      </ol>
      ${next ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${busy} onClick=${more}>${t('library.revisions.more')}<//></div>` : null}
    `;
  }
  return html`
    <section aria-labelledby="revisions-heading">
      <h2 id="revisions-heading">${t('library.revisions.title')}</h2>
      ${content}
    </section>
  `;
}

export function LibraryDocumentPage({ params }) {
  const id = params.id;
  const found = useLoad(() => api('GET', `/library/documents/${id}`), [id]);
  const { states } = useStates();
  const notice = documentNotice.value;
  useEffect(() => () => {
    documentNotice.value = null;
  }, [id]);
  if (found.error && (found.error.status === 404 || found.error.status === 422)) return html`<${NotFound} />`;
  if (found.error) {
    return html`<${Page} title=${t('library.doc.loadFailed')}><div class="notice warning" role="alert"><p>${problemMessage(found.error)}</p></div><//>`;
  }
  if (!found.data) return html`<${Page} title=${t('library.doc.loading')}><${Skeleton} rows=${6} /><//>`;
  const doc = found.data;
  const names = stateNames(states);
  return html`
    <${Page} title=${doc.title}>
      <nav class="dir-breadcrumbs" aria-label=${t('directory.breadcrumbs')}>
        <a href="/library">${t('library.search.title')}</a> › <a href=${`/library?kind=${doc.kind}`}>${kindLabel(doc.kind)}</a>
      </nav>
      ${notice ? html`<div class="notice success" role="status"><p>${notice}</p></div>` : null}
      <p class="dir-audience">${t('library.audience')}</p>
      ${doc.allowed_actions.includes('edit')
        ? html`<div class="actions dir-page-actions"><a class="button" href=${`/library/documents/${doc.id}/edit`}>${t('library.doc.edit')}</a></div>`
        : null}
      <div class="dir-detail">
        <div class="dir-detail-body">
          <section aria-labelledby="file-heading">
            <h2 id="file-heading">${t('library.doc.file')}</h2>
            ${doc.file ? html`<${FileLine} file=${doc.file} />` : html`<p class="empty">${t('library.doc.noFile')}</p>`}
            ${doc.source_url
              ? html`<p><span class="meta">${t('library.doc.source')}:</span> <${External} href=${doc.source_url}>${t('library.doc.sourceLink')}<//></p>`
              : null}
          </section>
          <section aria-labelledby="summary-heading">
            <h2 id="summary-heading">${t('library.doc.summary')}</h2>
            ${doc.summary ? html`<p class="dir-long-text">${doc.summary}</p>` : html`<p class="empty">${t('library.doc.noSummary')}</p>`}
          </section>
          <${Links} doc=${doc} />
          <${Revisions} docId=${doc.id} round=${doc.version} />
        </div>
        <${SidePanel} doc=${doc} names=${names} />
      </div>
    <//>
  `;
}
