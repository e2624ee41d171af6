// A thread: its posts a page at a time (a thread of a thousand posts never renders them all at
// once), where the member left off, new posts as they arrive, the reply box, and keyboard
// shortcuts (j/k between posts, r to reply, ? to list them).
//
// Stable hooks for other parts of the client and for tests: each post is
// <article id="post-<uuid>" class="post"> inside <ol id="thread-posts">; new posts are announced
// in <div id="thread-live" role="status">.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { subscribe } from '../live.js';
import { currentLocation, navigate } from '../router.js';
import { me } from '../session.js';
import { Audience, AuthorLine, ThreadBadges, When, useForum } from './forums-common.js';
import { Post } from './forums-post.js';
import { ReplyBox } from './forums-reply.js';
import { ThreadTools } from './forums-thread-tools.js';
import { NotFound } from './notfound.js';

const PAGE = 50;
const READ_DELAY_MS = 600;
const LIVE_EVENTS = ['post.created', 'post.updated', 'post.hidden', 'thread.locked'];
const EMPTY = { posts: [], next: null, tail: {}, from: null, loaded: false, busy: false };

function merge(posts, more) {
  const known = new Set(posts.map((p) => p.id));
  return [...posts, ...more.filter((p) => !known.has(p.id))];
}

// Where to ask for what is new after `items` (a page just fetched): from its last post.
function after(items, otherwise) {
  return items.length ? { from_post_id: items[items.length - 1].id } : otherwise;
}

function postTarget(hash) {
  const found = /^#post-([0-9a-f-]{36})$/i.exec(hash || '');
  return found ? found[1].toLowerCase() : null;
}

function Shortcuts({ dialog }) {
  return html`
    <dialog ref=${dialog} class="shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">${t('forums.keys.title')}</h2>
      <dl>
        <dt><kbd>j</kbd></dt><dd>${t('forums.keys.next')}</dd>
        <dt><kbd>k</kbd></dt><dd>${t('forums.keys.previous')}</dd>
        <dt><kbd>r</kbd></dt><dd>${t('forums.keys.reply')}</dd>
        <dt><kbd>Ctrl</kbd> + <kbd>Enter</kbd></dt><dd>${t('forums.keys.send')}</dd>
        <dt><kbd>?</kbd></dt><dd>${t('forums.keys.help')}</dd>
      </dl>
      <form method="dialog"><button class="button" type="submit">${t('forums.keys.close')}</button></form>
    </dialog>
  `;
}

/** j/k: the next or previous post from the focused one (or from the top of the window). */
function movePostFocus(step) {
  const posts = [...document.querySelectorAll('#thread-posts article.post')];
  if (posts.length === 0) return;
  let index = posts.findIndex((p) => p.contains(document.activeElement));
  if (index === -1) {
    const below = posts.findIndex((p) => p.getBoundingClientRect().top >= -1);
    index = below === -1 ? posts.length - 1 : step > 0 ? below : below - 1;
  } else {
    index += step;
  }
  const target = posts[Math.max(0, Math.min(posts.length - 1, index))];
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'start' });
}

export function ThreadPage({ params }) {
  const threadId = String(params.id).toLowerCase();
  const [thread, setThread] = useState(null);
  const [missing, setMissing] = useState(false);
  const [loadError, setLoadError] = useState(null);
  const [view, setView] = useState(EMPTY);
  const [firstUnread, setFirstUnread] = useState(null);
  const [notice, setNotice] = useState('');
  const [live, setLive] = useState({ text: '', n: 0 });
  const { forum } = useForum(thread ? thread.forum_id : null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const chain = useRef(Promise.resolve());
  const focusTarget = useRef(null);
  const reply = useRef(null);
  const dialog = useRef(null);
  const read = useRef({ best: -1, sent: null, timer: null });

  const announce = (text) => setLive((l) => ({ text, n: l.n + 1 }));

  const loadPosts = async (found, { target = null, from = null, focus = true } = {}) => {
    let start = from;
    let page = await api('GET', `/threads/${found.id}/posts`, { query: { limit: PAGE, from_post_id: start || undefined } });
    if (!start && target && page.next_cursor && !page.items.some((p) => p.id === target)) {
      try {
        page = await api('GET', `/threads/${found.id}/posts`, { query: { limit: PAGE, from_post_id: target } });
        start = target;
      } catch {
        // not a post of this thread: the thread opens at its start
      }
    }
    focusTarget.current = focus ? target || from : null;
    read.current = { best: -1, sent: null, timer: null };
    setView({ posts: page.items, next: page.next_cursor, tail: after(page.items, start ? { from_post_id: start } : {}), from: start, loaded: true, busy: false });
  };

  const open = async ({ target = null, from = null } = {}) => {
    setLoadError(null);
    try {
      const found = await api('GET', `/threads/${threadId}`);
      setThread(found);
      setFirstUnread(found.first_unread_post_id);
      if (params.forum_id && params.forum_id !== found.forum_id) {
        navigate(`/forums/${found.forum_id}/threads/${found.id}${window.location.hash}`, { replace: true });
      }
      await loadPosts(found, { target, from });
    } catch (problem) {
      if (problem.status === 404) setMissing(true);
      else setLoadError(problem);
    }
  };

  // Locking changes what may be done to every post (quote, edit): their reads say so again.
  const threadChanged = (before, updated) => {
    setThread(updated);
    if (before && updated.locked !== before.locked) loadPosts(updated, { from: viewRef.current.from, focus: false });
  };

  const threadRef = useRef(thread);
  threadRef.current = thread;

  const refreshThread = async () => {
    try {
      threadChanged(threadRef.current, await api('GET', `/threads/${threadId}`));
    } catch (problem) {
      if (problem.status === 404) setMissing(true);
    }
  };

  const replacePost = (post) => setView((v) => ({ ...v, posts: v.posts.map((p) => (p.id === post.id ? post : p)) }));

  const refreshPost = async (postId) => {
    if (!viewRef.current.posts.some((p) => p.id === postId)) return;
    try {
      replacePost(await api('GET', `/posts/${postId}`));
    } catch {
      // no longer readable: the thread's next load will say so
    }
  };

  // New posts: fetched from the last post fetched (`tail`; it comes back too, so nothing is
  // skipped and the merge shows nothing twice). Asking from the last post, not from the start
  // of the last page, keeps a live thread cheap: each new post costs every open copy of the
  // page a post or two, not fifty. A reply of our own is not fetched, so it never moves the
  // tail past a post that another member wrote just before it.
  const fetchNewer = () => {
    chain.current = chain.current.then(async () => {
      const v = viewRef.current;
      if (!v.loaded) return;
      if (v.next) {
        announce(t('forums.thread.newPostsLater'));
        return;
      }
      let query = v.tail;
      let tail = v.tail;
      const found = [];
      try {
        for (let i = 0; i < 20; i += 1) {
          const page = await api('GET', `/threads/${threadId}/posts`, { query: { limit: PAGE, ...query } });
          found.push(...page.items);
          if (!page.next_cursor) break;
          query = { cursor: page.next_cursor };
        }
        tail = after(found, tail);
      } catch {
        return;
      }
      const known = new Set(viewRef.current.posts.map((p) => p.id));
      const fresh = found.filter((p) => !known.has(p.id));
      setView((cur) => ({ ...cur, posts: merge(cur.posts, found), tail }));
      const others = fresh.filter((p) => !me.value || p.author.id !== me.value.id).length;
      if (others > 0) {
        announce(t('forums.thread.newPosts', { count: others }));
        setThread((th) => th && { ...th, post_count: th.post_count + fresh.length });
      }
    });
    return chain.current;
  };

  const loadMore = async () => {
    const v = viewRef.current;
    if (!v.next || v.busy) return;
    setView({ ...v, busy: true });
    try {
      const cursor = v.next;
      const page = await api('GET', `/threads/${threadId}/posts`, { query: { limit: PAGE, cursor } });
      focusTarget.current = page.items.length ? page.items[0].id : null;
      setView((cur) => ({ ...cur, posts: merge(cur.posts, page.items), next: page.next_cursor, tail: after(page.items, { cursor }), busy: false }));
    } catch (problem) {
      setView((cur) => ({ ...cur, busy: false }));
      setNotice(problemMessage(problem));
    }
  };

  const posted = (post) => {
    setThread((th) => th && { ...th, post_count: th.post_count + 1 });
    if (viewRef.current.next) {
      // Pages between here and the end are not loaded: show the reply where it is, at the end.
      focusTarget.current = post.id;
      setView({ posts: [post], next: null, tail: { from_post_id: post.id }, from: post.id, loaded: true, busy: false });
    } else {
      setView((cur) => ({ ...cur, posts: merge(cur.posts, [post]) }));
    }
  };

  useEffect(() => {
    setThread(null);
    setMissing(false);
    setView(EMPTY);
    open({ target: postTarget(window.location.hash) });
    const stop = subscribe(LIVE_EVENTS, (message) => {
      if (message.event === 'reset') {
        open();
        return;
      }
      const data = message.data || {};
      if (String(data.thread_id || '').toLowerCase() !== threadId) return;
      if (message.event === 'post.created') fetchNewer();
      else if (message.event === 'thread.locked') refreshThread();
      else refreshPost(String(data.post_id || '').toLowerCase());
    });
    return () => {
      stop();
      clearTimeout(read.current.timer);
    };
  }, [threadId]);

  // A link to a post (#post-...) of this thread, followed while the thread is open.
  const hash = currentLocation.value.hash;
  useEffect(() => {
    const target = postTarget(hash);
    if (!target || !viewRef.current.loaded) return;
    const element = document.getElementById(`post-${target}`);
    if (element) element.focus();
    else if (thread) loadPosts(thread, { target });
  }, [hash]);

  useEffect(() => {
    const id = focusTarget.current;
    if (!id) return;
    const element = document.getElementById(`post-${id}`);
    if (element) {
      focusTarget.current = null;
      element.focus({ preventScroll: true });
      element.scrollIntoView({ block: 'start' });
    }
  }, [view.posts]);

  // Posts count as read once they have come into view; the marker is sent shortly after.
  useEffect(() => {
    if (!view.loaded || !thread || typeof IntersectionObserver === 'undefined') return undefined;
    const state = read.current;
    const send = async () => {
      const post = viewRef.current.posts[state.best];
      if (!post || post.id === state.sent) return;
      state.sent = post.id;
      try {
        const answer = await api('PUT', `/threads/${threadId}/read`, { body: { last_read_post_id: post.id } });
        setThread((th) => th && { ...th, unread_count: answer.unread_count });
      } catch {
        state.sent = null;
      }
    };
    const observer = new IntersectionObserver(
      (entries) => {
        const posts = viewRef.current.posts;
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const index = posts.findIndex((p) => `post-${p.id}` === entry.target.id);
          if (index > state.best) state.best = index;
        }
        clearTimeout(state.timer);
        state.timer = setTimeout(send, READ_DELAY_MS);
      },
      { rootMargin: '0px 0px -15% 0px' },
    );
    for (const element of document.querySelectorAll('#thread-posts article.post')) observer.observe(element);
    return () => observer.disconnect();
  }, [view.posts, view.loaded, thread && thread.id]);

  useEffect(() => {
    const onKey = (event) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target && target.closest('input, textarea, select, [contenteditable="true"], dialog')) return;
      if (event.key === 'j' || event.key === 'k') {
        event.preventDefault();
        movePostFocus(event.key === 'j' ? 1 : -1);
      } else if (event.key === 'r' && reply.current) {
        event.preventDefault();
        reply.current.focus();
      } else if (event.key === '?' && dialog.current) {
        event.preventDefault();
        dialog.current.showModal();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  if (missing) return html`<${NotFound} />`;
  if (loadError) return html`<${Page} title=${t('forums.thread.errorTitle')}><p role="alert">${problemMessage(loadError)}</p><//>`;
  if (!thread) return html`<${Skeleton} rows=${6} />`;

  const actions = thread.allowed_actions || [];
  const byId = new Map(view.posts.map((p) => [p.id, p]));
  const firstUnreadShown = firstUnread && view.posts.some((p) => p.id === firstUnread);
  const dividerAt = firstUnreadShown && (view.from || view.posts[0].id !== firstUnread) ? firstUnread : null;
  return html`
    <${Page} title=${thread.title}>
      <nav class="breadcrumbs" aria-label=${t('forums.breadcrumbs')}>
        <a href="/forums">${t('forums.title')}</a>
        ${forum ? html` › <a href=${`/forums/${forum.id}`}>${forum.name}</a>` : null}
      </nav>
      <p class="thread-facts"><${ThreadBadges} thread=${thread} />
        <span class="meta">${t('forums.thread.startedBy')} <${AuthorLine} author=${thread.author} /> · <${When} iso=${thread.created_at} /></span></p>
      ${forum ? html`<${Audience} audience=${forum.audience} />` : null}
      <p class="meta">${t('forums.thread.postCount', { count: thread.post_count })}${' · '}<span class="unread-state">${thread.unread_count > 0 ? t('forums.unreadPosts', { count: thread.unread_count }) : t('forums.allRead')}</span></p>
      <${ThreadTools} thread=${thread} onNotice=${setNotice} onChange=${(updated) => {
        threadChanged(thread, updated);
        if (updated.forum_id !== thread.forum_id) navigate(`/forums/${updated.forum_id}/threads/${updated.id}`, { replace: true });
      }} />
      <p role="status" class="status-line" id="thread-notice">${notice}</p>
      ${firstUnread && !firstUnreadShown && thread.unread_count > 0
        ? html`<p><button type="button" class="link-button" onClick=${() => loadPosts(thread, { from: firstUnread })}>
            ${t('forums.thread.jumpUnread', { count: thread.unread_count })}</button></p>`
        : null}
      ${view.from
        ? html`<p class="notice">${t('forums.thread.earlierHidden')}
            <button type="button" class="link-button" onClick=${() => {
              if (window.location.hash) navigate(window.location.pathname, { replace: true });
              loadPosts(thread, {});
            }}>${t('forums.thread.fromStart')}</button></p>`
        : null}
      ${!view.loaded
        ? html`<${Skeleton} rows=${4} />`
        : html`<ol id="thread-posts" class="posts" aria-label=${t('forums.thread.postsLabel')}>
            ${view.posts.map(
              (post) => html`<li key=${post.id}>
                <${Post} post=${post} forumId=${thread.forum_id} unreadStart=${post.id === dividerAt}
                  repliedTo=${post.reply_to_post_id ? byId.get(post.reply_to_post_id) : null}
                  onChange=${replacePost} onNotice=${setNotice} onQuote=${(p) => reply.current && reply.current.quote(p)} />
              </li>`,
            )}
          </ol>`}
      ${view.next
        ? html`<div class="actions"><button type="button" class="button secondary" id="thread-load-more"
            aria-busy=${view.busy ? 'true' : undefined} onClick=${loadMore}>${t('forums.thread.loadMore')}</button></div>`
        : null}
      <div id="thread-live" class="status-line" role="status" aria-live="polite">${live.text ? html`<span key=${live.n}>${live.text}</span>` : null}</div>
      ${actions.includes('reply')
        ? html`<${ReplyBox} thread=${thread} forum=${forum} onPosted=${posted} handle=${reply} />`
        : html`<p class="notice">${thread.locked ? t('forums.thread.lockedNoReplies') : t('forums.thread.noReplies')}</p>`}
      <p><button type="button" class="link-button" onClick=${() => dialog.current && dialog.current.showModal()}>${t('forums.keys.open')}</button></p>
      <${Shortcuts} dialog=${dialog} />
    <//>
  `;
}
