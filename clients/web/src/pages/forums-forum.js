// One forum: its audience, its threads (pinned first, locked marked, unread counts, cursor
// paging) and starting a thread.
import { useCallback, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import {
  Audience,
  AuthorLine,
  LoadMore,
  ThreadBadges,
  When,
  unreadSummary,
  useForum,
  useLiveRefresh,
  usePaged,
} from './forums-common.js';
import { MarkdownEditor } from './forums-editor.js';
import { NotFound } from './notfound.js';

const THREAD_FIELDS = ['title', 'body'];
const THREADS_PAGE = 25;

function ThreadRow({ forumId, thread }) {
  const replies = Math.max(0, thread.post_count - 1);
  return html`
    <li class=${thread.unread_count > 0 ? 'thread-row has-unread' : 'thread-row'}>
      <div>
        <h3 class="row-title"><${ThreadBadges} thread=${thread} /><a href=${`/forums/${forumId}/threads/${thread.id}`}>${thread.title}</a></h3>
        <p class="meta"><${AuthorLine} author=${thread.author} /> · ${t('forums.lastActivity')} <${When} iso=${thread.last_activity_at} /></p>
        ${thread.tags.length ? html`<p class="tags">${thread.tags.map((tag) => html`<span class="tag" key=${tag}>${tag}</span> `)}</p>` : null}
      </div>
      <div class="row-facts">
        <p class="meta">${t('forums.replyCount', { count: replies })}</p>
        ${thread.unread_count > 0
          ? html`<p class="unread">${t('forums.unreadPosts', { count: thread.unread_count })}</p>`
          : html`<p class="meta">${t('forums.allRead')}</p>`}
        ${thread.following ? html`<p><span class="badge">${t('forums.following')}</span></p>` : null}
      </div>
    </li>
  `;
}

function NewThread({ forum, onCancel }) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const thread = await api('POST', `/forums/${forum.id}/threads`, { body: { title, body } });
      navigate(`/forums/${forum.id}/threads/${thread.id}`);
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const labels = { title: t('forums.newThread.titleLabel'), body: t('forums.newThread.bodyLabel') };
  const fields = fieldErrors(error, THREAD_FIELDS);
  // The API's wording for a too short value is written for developers; say what to do.
  if (fields.title && /at least/.test(fields.title)) fields.title = t('forums.newThread.titleTooShort');
  if (fields.body && /at least/.test(fields.body)) fields.body = t('forums.newThread.bodyEmpty');
  return html`
    <section class="panel new-thread" aria-labelledby="new-thread-heading">
      <h2 id="new-thread-heading" tabindex="-1">${t('forums.newThread.heading')}</h2>
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="title" label=${labels.title} hint=${t('forums.newThread.titleHint')} value=${title}
          onInput=${setTitle} error=${fields.title} autocomplete="off" />
        <${MarkdownEditor} id="body" label=${labels.body} value=${body} onInput=${setBody}
          forumId=${forum.id} error=${fields.body} />
        <div class="meta"><p>${t('forums.newThread.audience')}</p><${Audience} audience=${forum.audience} /></div>
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${busy ? t('forums.newThread.sending') : t('forums.newThread.submit')}<//>
          <button type="button" class="link-button" onClick=${onCancel}>${t('forums.cancel')}</button>
        </div>
      </form>
    </section>
  `;
}

export function ForumPage({ params }) {
  const forumId = params.id;
  const { forum, error, reload: reloadForum, setForum } = useForum(forumId);
  const load = useCallback((cursor) => api('GET', `/forums/${forumId}/threads`, { query: { limit: THREADS_PAGE, cursor } }), [forumId]);
  const threads = usePaged(load, forumId);
  const [writing, setWriting] = useState(false);
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState(null);
  const newButton = useRef(null);
  const [stale, setStale] = useState(false);
  useLiveRefresh(
    ['post.created', 'thread.created', 'thread.locked'],
    (data) => data.forum_id === forumId,
    () => {
      reloadForum();
      // One page is refreshed in place; with more loaded, the member chooses when.
      if ((threads.items || []).length <= THREADS_PAGE) threads.reload();
      else setStale(true);
    },
    forumId,
  );

  if (error && error.status === 404) return html`<${NotFound} />`;
  if (error) return html`<${Page} title=${t('forums.title')}><p role="alert">${problemMessage(error)}</p><//>`;
  if (!forum) return html`<${Skeleton} rows=${5} />`;

  const act = async (run, message) => {
    setActionError(null);
    try {
      await run();
      setNotice(message);
    } catch (problem) {
      setActionError(problem);
    }
  };
  const toggleFollow = () =>
    act(async () => {
      const answer = await api(forum.following ? 'DELETE' : 'PUT', `/forums/${forum.id}/follow`);
      setForum({ ...forum, following: answer.following });
    }, forum.following ? t('forums.unfollowedForum') : t('forums.followedForum'));
  const markRead = () =>
    act(async () => {
      await api('POST', `/forums/${forum.id}/read`);
      await Promise.all([threads.reload(), reloadForum()]);
    }, t('forums.forumMarkedRead'));
  const actions = forum.allowed_actions || [];

  let list;
  if (threads.error) list = html`<p role="alert">${problemMessage(threads.error)}</p>`;
  else if (!threads.items) list = html`<${Skeleton} rows=${5} />`;
  else if (threads.items.length === 0) list = html`<p class="empty">${t('forums.noThreads')}</p>`;
  else {
    list = html`
      <ul class="rows" aria-label=${t('forums.threadsLabel')}>
        ${threads.items.map((thread) => html`<${ThreadRow} key=${thread.id} forumId=${forum.id} thread=${thread} />`)}
      </ul>
      <${LoadMore} paged=${threads} label=${t('forums.loadMoreThreads')} />
    `;
  }
  return html`
    <${Page} title=${forum.name}>
      <nav class="breadcrumbs" aria-label=${t('forums.breadcrumbs')}><a href="/forums">${t('forums.title')}</a></nav>
      ${forum.description ? html`<p>${forum.description}</p>` : null}
      <${Audience} audience=${forum.audience} />
      <p class="meta">${unreadSummary(forum.unread_count, forum.unread_threads)}</p>
      <div class="actions">
        ${actions.includes('start_thread') && !writing
          ? html`<button type="button" class="button" ref=${newButton} onClick=${() => {
              setWriting(true);
              requestAnimationFrame(() => document.getElementById('field-title')?.focus());
            }}>${t('forums.newThread.open')}</button>`
          : null}
        ${actions.includes('follow')
          ? html`<button type="button" class="button secondary" onClick=${toggleFollow}>
              ${forum.following ? t('forums.unfollowForum') : t('forums.followForum')}</button>`
          : null}
        ${actions.includes('mark_read')
          ? html`<button type="button" class="button secondary" onClick=${markRead}>${t('forums.markForumRead')}</button>`
          : null}
      </div>
      <div role="status" class="status-line">${notice}</div>
      ${actionError ? html`<p role="alert" class="error-message">${problemMessage(actionError)}</p>` : null}
      ${writing
        ? html`<${NewThread} forum=${forum} onCancel=${() => {
            setWriting(false);
            requestAnimationFrame(() => newButton.current?.focus());
          }} />`
        : null}
      <h2 class="visually-hidden">${t('forums.threadsLabel')}</h2>
      ${stale
        ? html`<p class="notice">${t('forums.newActivity')}
            <button type="button" class="link-button" onClick=${() => {
              setStale(false);
              threads.reload();
            }}>${t('forums.showLatest')}</button></p>`
        : null}
      ${list}
    <//>
  `;
}
