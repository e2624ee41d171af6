// The forums the member may read: who reads each one, threads, unread posts.
import { useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { Audience, LoadMore, When, unreadSummary, useLiveRefresh, usePaged } from './forums-common.js';

const loadForums = (cursor) => api('GET', '/forums', { query: { limit: 50, cursor } });

function ForumRow({ forum }) {
  return html`
    <li class="forum-row">
      <div>
        <h2 class="row-title"><a href=${`/forums/${forum.id}`}>${forum.name}</a>
          ${forum.following ? html` <span class="badge">${t('forums.following')}</span>` : null}</h2>
        ${forum.description ? html`<p class="row-text">${forum.description}</p>` : null}
        <${Audience} audience=${forum.audience} />
      </div>
      <div class="row-facts">
        <p class=${forum.unread_count > 0 ? 'unread' : 'meta'}>
          ${unreadSummary(forum.unread_count, forum.unread_threads)}
        </p>
        <p class="meta">${t('forums.threadCount', { count: forum.thread_count })}</p>
        ${forum.last_activity_at
          ? html`<p class="meta">${t('forums.lastActivity')} <${When} iso=${forum.last_activity_at} /></p>`
          : null}
      </div>
    </li>
  `;
}

export function Forums() {
  const paged = usePaged(loadForums, 'forums');
  // Counts move as posts and threads are written (the events name only what the member reads).
  useLiveRefresh(['post.created', 'thread.created'], () => true, () => paged.reload(), 'forums');
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const markAllRead = async () => {
    setError(null);
    try {
      const result = await api('POST', '/forums/read');
      setNotice(t('forums.markedRead', { count: result.threads_marked }));
      paged.reload();
    } catch (problem) {
      setError(problem);
    }
  };
  let content;
  if (paged.error && paged.error.status === 403) content = html`<p>${t('forums.noAccess')}</p>`;
  else if (paged.error) content = html`<p role="alert">${problemMessage(paged.error)}</p>`;
  else if (!paged.items) content = html`<${Skeleton} rows=${4} />`;
  else if (paged.items.length === 0) content = html`<p class="empty">${t('forums.none')}</p>`;
  else {
    content = html`
      <div class="actions">
        <button type="button" class="button secondary" onClick=${markAllRead}>${t('forums.markAllRead')}</button>
      </div>
      <ul class="rows" aria-label=${t('forums.title')}>
        ${paged.items.map((forum) => html`<${ForumRow} key=${forum.id} forum=${forum} />`)}
      </ul>
      <${LoadMore} paged=${paged} label=${t('forums.loadMoreForums')} />
    `;
  }
  return html`
    <${Page} title=${t('forums.title')}>
      <p>${t('forums.intro')}</p>
      <div role="status" class="status-line">${notice || ''}</div>
      ${error ? html`<p role="alert" class="error-message">${problemMessage(error)}</p>` : null}
      ${content}
    <//>
  `;
}
