// What the forum pages share: times, audiences in words, badges, cursor paging.
import { useCallback, useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { html } from '../html.js';
import { formatDateTime, relativeTime, t } from '../i18n.js';
import { subscribe } from '../live.js';

/** "12 March 2026 at 14:05 CET (3 days ago)": the date in full, the relative time beside it. */
export function When({ iso }) {
  return html`<time datetime=${iso}>${formatDateTime(iso)}</time> <span class="meta">(${relativeTime(iso)})</span>`;
}

/** Who can read a forum, in words, from what the API says about its audience. */
export function audienceText(audience) {
  if (!audience) return '';
  if (audience.kind === 'network') return t('forums.audience.network');
  if (audience.kind === 'moderators') return t('forums.audience.moderators');
  return t('forums.audience.group', {
    name: audience.group_name || '',
    count: audience.authority_count || 0,
  });
}

/** "3 unread posts in 2 threads", or "No unread posts". */
export function unreadSummary(posts, threads) {
  if (!posts) return t('forums.noUnread');
  return `${t('forums.unreadPosts', { count: posts })} ${t('forums.inThreads', { count: threads })}`;
}

export function Audience({ audience }) {
  return html`<p class="audience"><span class="audience-label">${t('forums.audience.label')}</span> ${audienceText(audience)}</p>`;
}

/** Text badges: a pinned or locked thread says so in words, never by colour alone. */
export function ThreadBadges({ thread }) {
  return html`
    ${thread.pinned ? html`<span class="badge badge-pinned">${t('forums.badge.pinned')}</span> ` : null}
    ${thread.locked ? html`<span class="badge badge-locked">${t('forums.badge.locked')}</span> ` : null}
  `;
}

export function AuthorLine({ author }) {
  if (!author || !author.id) return html`<span>${t('forums.author.unknown')}</span>`;
  return html`<span class="author"><strong>${author.full_name || author.handle}</strong>
    <span class="handle"> @${author.handle}</span>${author.authority_name
      ? html`<span class="authority"> · ${author.authority_name}</span>`
      : null}</span>`;
}

/**
 * A cursor-paged list: items, whether there is more, and loadMore(). `key` changes reload it.
 * `load(cursor)` returns the API's page ({items, next_cursor}).
 */
export function usePaged(load, key) {
  const [state, setState] = useState({ items: null, next: null, error: null, busy: true });
  const generation = useRef(0);
  const fetchPage = useCallback(
    async (cursor, append) => {
      const mine = generation.current;
      setState((s) => ({ ...s, busy: true, error: null }));
      try {
        const page = await load(cursor);
        if (mine !== generation.current) return;
        setState((s) => ({
          items: append ? [...(s.items || []), ...page.items] : page.items,
          next: page.next_cursor,
          error: null,
          busy: false,
        }));
      } catch (error) {
        if (mine !== generation.current) return;
        setState((s) => ({ ...s, error, busy: false }));
      }
    },
    [load],
  );
  useEffect(() => {
    generation.current += 1;
    setState({ items: null, next: null, error: null, busy: true });
    fetchPage(null, false);
  }, [key]);
  return {
    ...state,
    loadMore: () => state.next && fetchPage(state.next, true),
    reload: () => {
      generation.current += 1;
      return fetchPage(null, false);
    },
    replace: (update) => setState((s) => ({ ...s, items: update(s.items || []) })),
  };
}

/** The forum that a forum page or a thread page shows (null while loading). */
export function useForum(forumId) {
  const [forum, setForum] = useState(null);
  const [error, setError] = useState(null);
  const reload = useCallback(() => {
    if (!forumId) return Promise.resolve();
    return api('GET', `/forums/${forumId}`)
      .then((answer) => {
        setForum(answer);
        setError(null);
      })
      .catch(setError);
  }, [forumId]);
  useEffect(() => {
    setForum(null);
    reload();
  }, [forumId]);
  return { forum, error, reload, setForum };
}

export function LoadMore({ paged, label }) {
  if (!paged.next) return null;
  return html`<div class="actions">
    <button type="button" class="button secondary" aria-busy=${paged.busy ? 'true' : undefined}
      disabled=${paged.busy} onClick=${paged.loadMore}>${label}</button>
  </div>`;
}

const REFRESH_DELAY_MS = 800;

/**
 * Calls refresh() shortly after live events of `types` for which `concerns(data)` holds, and
 * after a reset; a burst of events makes one refresh.
 */
export function useLiveRefresh(types, concerns, refresh, key) {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let timer = null;
    const stop = subscribe(types, (message) => {
      if (message.event !== 'reset' && !concerns(message.data || {})) return;
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(), REFRESH_DELAY_MS);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [key]);
}
