// The moderators' flag queue: reported posts, oldest first, filtered by status in the URL; hide
// the post with a reason, dismiss the report, or mark it handled.
import { useCallback, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation } from '../router.js';
import { AuthorLine, LoadMore, When, usePaged } from './forums-common.js';
import { NotFound } from './notfound.js';

const STATUSES = ['open', 'actioned', 'dismissed'];
const STATUS_LABELS = {
  open: 'forums.flags.status.open',
  actioned: 'forums.flags.status.actioned',
  dismissed: 'forums.flags.status.dismissed',
};

function Resolve({ flag, verb, onDone, onCancel }) {
  const [text, setText] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const hiding = verb === 'hide';
  const fieldId = `field-${verb}-${flag.id}`;
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (hiding) await api('POST', `/posts/${flag.post_id}/hide`, { body: { reason: text.trim() } });
      else await api('POST', `/moderation/flags/${flag.id}/resolve`, { body: { resolution: verb, note: text.trim() || null } });
      onDone(verb);
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  return html`
    <form class="inline-form" onSubmit=${submit} novalidate>
      <div class=${error ? 'field has-error' : 'field'}>
        <label for=${fieldId}>${hiding ? t('forums.flags.hideReason') : t('forums.flags.note')}${hiding ? null : html` <span class="optional">${t('forums.optional')}</span>`}</label>
        ${hiding ? html`<span class="hint" id=${`${fieldId}-hint`}>${t('forums.post.hideHint')}</span>` : null}
        ${error ? html`<span class="error-message" role="alert" id=${`${fieldId}-error`}>${problemMessage(error)}</span>` : null}
        <textarea id=${fieldId} rows="2" value=${text} onInput=${(e) => setText(e.currentTarget.value)}
          aria-describedby=${[hiding ? `${fieldId}-hint` : null, error ? `${fieldId}-error` : null].filter(Boolean).join(' ') || undefined}></textarea>
      </div>
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t(`forums.flags.confirm.${verb}`)}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('forums.cancel')}</button>
      </div>
    </form>
  `;
}

function FlagItem({ flag, onResolved }) {
  const [verb, setVerb] = useState(null);
  const open = flag.status === 'open';
  return html`
    <li class="flag">
      <h2 class="row-title"><a href=${`/threads/${flag.thread_id}#post-${flag.post_id}`}>${flag.thread_title}</a></h2>
      <p class="meta">${t('forums.flags.postBy')} <${AuthorLine} author=${flag.post_author} />
        ${flag.post_hidden ? html` <span class="badge">${t('forums.post.hidden')}</span>` : null}</p>
      ${flag.post_excerpt ? html`<blockquote class="excerpt">${flag.post_excerpt}</blockquote>` : null}
      <p><strong>${t('forums.flags.reason')}</strong> ${flag.reason}</p>
      <p class="meta">${t('forums.flags.reported')} <${When} iso=${flag.created_at} />
        ${' · '}<span class="badge">${t(STATUS_LABELS[flag.status] || 'forums.flags.status.open')}</span></p>
      ${flag.resolution_note ? html`<p class="meta">${t('forums.flags.noteLabel')} ${flag.resolution_note}</p>` : null}
      ${open && !verb
        ? html`<div class="actions">
            ${flag.post_hidden ? null : html`<button type="button" class="button" onClick=${() => setVerb('hide')}>${t('forums.flags.hide')}</button>`}
            <button type="button" class="button secondary" onClick=${() => setVerb('actioned')}>${t('forums.flags.actioned')}</button>
            <button type="button" class="button secondary" onClick=${() => setVerb('dismissed')}>${t('forums.flags.dismiss')}</button>
          </div>`
        : null}
      ${verb ? html`<${Resolve} flag=${flag} verb=${verb} onCancel=${() => setVerb(null)} onDone=${(done) => onResolved(flag, done)} />` : null}
    </li>
  `;
}

export function FlagQueue() {
  const status = STATUSES.includes(currentLocation.value.query.get('status')) ? currentLocation.value.query.get('status') : 'open';
  const load = useCallback((cursor) => api('GET', '/moderation/flags', { query: { status, limit: 25, cursor } }), [status]);
  const paged = usePaged(load, status);
  const [notice, setNotice] = useState('');
  if (paged.error && (paged.error.status === 403 || paged.error.status === 404)) return html`<${NotFound} />`;
  const resolved = (flag, verb) => {
    paged.replace((items) => items.filter((f) => f.id !== flag.id));
    setNotice(t(`forums.flags.done.${verb}`, { title: flag.thread_title }));
    requestAnimationFrame(() => document.querySelector('main h1')?.focus());
  };
  let content;
  if (paged.error) content = html`<p role="alert">${problemMessage(paged.error)}</p>`;
  else if (!paged.items) content = html`<${Skeleton} rows=${4} />`;
  else if (paged.items.length === 0) content = html`<p class="empty">${t(`forums.flags.empty.${status}`)}</p>`;
  else {
    content = html`
      <ul class="rows flags">${paged.items.map((flag) => html`<${FlagItem} key=${flag.id} flag=${flag} onResolved=${resolved} />`)}</ul>
      <${LoadMore} paged=${paged} label=${t('forums.flags.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('forums.flags.title')}>
      <p>${t('forums.flags.intro')}</p>
      <nav class="filter-tabs" aria-label=${t('forums.flags.filter')}>
        <ul>
          ${STATUSES.map(
            (s) => html`<li key=${s}>
              <a href=${`/moderation/flags?status=${s}`} aria-current=${s === status ? 'page' : undefined}>${t(STATUS_LABELS[s])}</a>
            </li>`,
          )}
        </ul>
      </nav>
      <div role="status" class="status-line">${notice}</div>
      ${content}
    <//>
  `;
}
