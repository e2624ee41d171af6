// The history of a directory record (an authority's entry, a requirement sheet): one entry
// per revision with who, what and when, and each changed field's value before and after.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { When, yesNo } from './directory-common.js';

/**
 * A revision's value in words: lists joined, contacts and links summarised, empties said.
 * `words[field]` turns one value of that field (or one item of its list) into words.
 */
function ValueText({ field, value, words }) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    return html`<span class="meta">${t('directory.revisions.empty')}</span>`;
  }
  if (typeof value === 'boolean') return yesNo(value);
  const word = words[field] || String;
  if (Array.isArray(value)) {
    const parts = value.map((item) =>
      item && typeof item === 'object'
        ? Object.values(item)
            .filter((v) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
            .map((v) => (Array.isArray(v) ? v.join(', ') : String(v)))
            .join(' · ')
        : word(item),
    );
    return parts.length > 1 ? html`<ul class="dir-plain">${parts.map((p, i) => html`<li key=${i}>${p}</li>`)}</ul>` : parts[0];
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return html`<span class="dir-long-text">${word(value)}</span>`;
}

function actionName(action) {
  const key = `directory.revisions.action.${action}`;
  const text = t(key);
  return text === key ? action : text;
}

// Creations and imports set every field at once: their values are folded away.
const FIRST_ENTRY = new Set(['created', 'imported']);

function Diff({ changes, fieldName, words }) {
  return html`
    <ul class="dir-diff">
      ${changes.map(
        ([field, change]) => html`<li key=${field}>
          <span class="dir-diff-field">${fieldName(field)}</span>
          <div class="dir-diff-values">
            <div class="dir-diff-old"><span class="dir-diff-label">${t('directory.revisions.before')}</span> <del><${ValueText} field=${field} value=${change.old} words=${words} /></del></div>
            <div class="dir-diff-new"><span class="dir-diff-label">${t('directory.revisions.after')}</span> <ins><${ValueText} field=${field} value=${change.new} words=${words} /></ins></div>
          </div>
        </li>`,
      )}
    </ul>
  `;
}

/**
 * The revisions at `path` (GET, newest first, cursor paging); `round` changing reloads them.
 * `fieldName(field)` names a field; `words` as for ValueText.
 */
export function Revisions({ path, round, fieldName, words = {} }) {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fetchPage = (cursor) => api('GET', path, { query: { limit: 10, cursor } });
  useEffect(() => {
    fetchPage(null)
      .then((page) => {
        setItems(page.items);
        setNext(page.next_cursor);
      })
      .catch(setError);
  }, [path, round]);
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
  else if (items.length === 0) content = html`<p class="empty">${t('directory.revisions.none')}</p>`;
  else {
    content = html`
      <ol class="dir-timeline">
        ${items.map((revision) => {
          const changes = Object.entries(revision.changes || {});
          return html`<li key=${revision.id} class="dir-revision">
            <p class="dir-revision-head">
              <strong>${actionName(revision.action)}</strong>
              ${' '}${revision.actor ? t('directory.revisions.by', { name: revision.actor.full_name }) : t('directory.revisions.bySystem')}
              ${' · '}<${When} iso=${revision.created_at} withTime=${true} />
            </p>
            ${changes.length === 0
              ? html`<p class="meta">${t('directory.revisions.noChanges')}</p>`
              : FIRST_ENTRY.has(revision.action)
                ? html`<details><summary>${t('directory.revisions.showInitial', { count: changes.length })}</summary>
                    <${Diff} changes=${changes} fieldName=${fieldName} words=${words} /></details>`
                : html`<${Diff} changes=${changes} fieldName=${fieldName} words=${words} />`}
          </li>`;
        })}
      </ol>
      ${next ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${busy} onClick=${more}>${t('directory.revisions.more')}<//></div>` : null}
    `;
  }
  return html`
    <section aria-labelledby="revisions-heading">
      <h2 id="revisions-heading">${t('directory.revisions.title')}</h2>
      ${content}
    </section>
  `;
}
