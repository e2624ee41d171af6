// Home: what needs the member's attention: unread notifications, followed threads with
// unread posts, cases under way by status, directory entries to re-verify, forums.
// Each section asks the API; a section the member's roles have no use for answers 403 and
// is left out, so the page never decides by itself who sees what.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, formatDateTime, relativeTime, t } from '../i18n.js';
import { isClientRoute } from '../router.js';
import { me, withUnread } from '../session.js';
import { sheetAddress } from './directory-common.js';

function When({ iso }) {
  return html`<time datetime=${iso} title=${formatDateTime(iso)}>${relativeTime(iso)}</time>`;
}

/** A link where the client has a page for it; plain text until then. */
function MaybeLink({ href, children }) {
  return isClientRoute(href) ? html`<a href=${href}>${children}</a>` : html`<span>${children}</span>`;
}

function Notifications() {
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const load = () =>
    withUnread(() => api('GET', '/notifications', { query: { unread: true, limit: 20 } }))
      .then(setPage)
      .catch(setError);
  useEffect(() => {
    load();
  }, []);
  const markRead = async (body) => {
    try {
      await withUnread(() => api('POST', '/notifications/read', { body }));
      await load();
    } catch (problem) {
      setError(problem);
    }
  };
  let content;
  if (error) content = html`<p role="alert">${problemMessage(error)}</p>`;
  else if (!page) content = html`<${Skeleton} rows=${3} />`;
  else if (page.items.length === 0) content = html`<p class="empty">${t('home.noUnread')}</p>`;
  else {
    content = html`
      <p>${t('home.unreadCount', { count: page.unread_count })}</p>
      <ul class="items">
        ${page.items.map(
          (item) => html`<li key=${item.id}>
            <span><${MaybeLink} href=${item.url}>${item.title}<//> <span class="meta">· <${When} iso=${item.created_at} /></span></span>
            <button type="button" class="link-button" onClick=${() => markRead({ ids: [item.id] })}>
              ${t('home.markRead')}<span class="visually-hidden">: ${item.title}</span>
            </button>
          </li>`,
        )}
      </ul>
      <div class="actions">
        <button type="button" class="button secondary" onClick=${() => markRead({ all: true })}>${t('home.markAllRead')}</button>
      </div>
    `;
  }
  return html`<section aria-labelledby="notifications"><h2 id="notifications" tabindex="-1">${t('home.notifications')}</h2>${content}</section>`;
}

function Forums() {
  const [forums, setForums] = useState(null);
  const [hidden, setHidden] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/forums', { query: { limit: 100 } })
      .then((page) => setForums(page.items))
      .catch((problem) => (problem.status === 403 ? setHidden(true) : setError(problem)));
  }, []);
  if (hidden) return null; // this member's role does not read forums (auditors), or vetting lapsed
  let content;
  if (error) content = html`<p role="alert">${problemMessage(error)}</p>`;
  else if (!forums) content = html`<${Skeleton} rows=${3} />`;
  else if (forums.length === 0) content = html`<p class="empty">${t('home.noForums')}</p>`;
  else {
    const sorted = [...forums].sort((a, b) => Number(b.following) - Number(a.following) || b.unread_count - a.unread_count);
    content = html`<ul class="items">
      ${sorted.map(
        (forum) => html`<li key=${forum.id}>
          <span><${MaybeLink} href=${`/forums/${forum.id}`}>${forum.name}<//>
            ${forum.following ? html` <span class="badge">${t('home.following')}</span>` : null}</span>
          <span class="meta">${forum.unread_count > 0
            ? t('home.forumUnread', { count: forum.unread_count, threads: forum.unread_threads })
            : t('home.forumNoUnread')}</span>
        </li>`,
      )}
    </ul>`;
  }
  return html`<section aria-labelledby="forums-heading"><h2 id="forums-heading">${t('home.forums')}</h2>${content}</section>`;
}

const FOLLOWED_PAGE = 10;

function FollowedThreads() {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [hidden, setHidden] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fetchPage = (cursor) => api('GET', '/me/followed-threads', { query: { limit: FOLLOWED_PAGE, cursor } });
  useEffect(() => {
    fetchPage(null)
      .then((page) => {
        setItems(page.items);
        setNext(page.next_cursor);
      })
      .catch((problem) => (problem.status === 403 ? setHidden(true) : setError(problem)));
  }, []);
  const loadMore = async () => {
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
  if (hidden) return null;
  let content;
  if (error) content = html`<p role="alert">${problemMessage(error)}</p>`;
  else if (!items) content = html`<${Skeleton} rows=${3} />`;
  else if (items.length === 0) content = html`<p class="empty">${t('account.home.followedNone')}</p>`;
  else {
    content = html`
      <ul class="items followed-threads">
        ${items.map(
          (thread) => html`<li key=${thread.id}>
            <span>
              <${MaybeLink} href=${`/threads/${thread.id}`}>${thread.title}<//>
              <span class="meta"> · ${thread.forum_name} · <${When} iso=${thread.last_activity_at} /></span>
            </span>
            ${thread.unread_count > 0
              ? html`<span class="badge">${t('account.home.threadUnread', { count: thread.unread_count })}</span>`
              : html`<span class="meta">${t('home.forumNoUnread')}</span>`}
          </li>`,
        )}
      </ul>
      ${next
        ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${busy} onClick=${loadMore}>${t('account.home.loadMore')}<//></div>`
        : null}
    `;
  }
  return html`<section aria-labelledby="followed-heading"><h2 id="followed-heading">${t('account.home.followed')}</h2>${content}</section>`;
}

function MyCases() {
  const [counts, setCounts] = useState(null);
  const [hidden, setHidden] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/cases/counts')
      .then(setCounts)
      .catch((problem) => (problem.status === 403 ? setHidden(true) : setError(problem)));
  }, []);
  if (hidden) return null; // no case work in this member's roles
  let content;
  if (error) content = html`<p role="alert">${problemMessage(error)}</p>`;
  else if (!counts) content = html`<${Skeleton} rows=${2} />`;
  else if (counts.open === 0) content = html`<p class="empty">${t('account.home.casesNone')}</p>`;
  else {
    const statusLabel = (status) => {
      const key = `account.home.caseStatus.${status}`;
      const label = t(key);
      return label === key ? status : label;
    };
    content = html`
      <p>${t('account.home.casesOpen', { count: counts.open })}</p>
      <ul class="items case-counts">
        ${Object.entries(counts.by_status).map(
          ([status, count]) => html`<li key=${status}>
            <a href=${`/cases?status=${encodeURIComponent(status)}`}>${statusLabel(status)}</a>
            <span class="count-figure">${t('account.home.caseCount', { count })}</span>
          </li>`,
        )}
        ${counts.overdue > 0
          ? html`<li key="overdue">
              <a href="/cases?overdue=true">${t('account.home.casesOverdue')}</a>
              <span class="badge badge-overdue">${t('account.home.caseCount', { count: counts.overdue })}</span>
            </li>`
          : null}
      </ul>
    `;
  }
  return html`<section aria-labelledby="cases-heading"><h2 id="cases-heading">${t('account.home.cases')}</h2>${content}</section>`;
}

/** Directory entries of the member's authority that are due for re-verification. */
function Reverify({ member }) {
  const [entries, setEntries] = useState(null);
  const [error, setError] = useState(null);
  const authority = member.authority;
  useEffect(() => {
    if (!authority || !member.focal_point) return;
    Promise.all([
      api('GET', `/authorities/${authority.id}`),
      api('GET', `/states/${authority.state_code}/requirements`).catch(() => ({ items: [] })),
    ])
      .then(([entry, sheets]) => {
        const found = [];
        // The API says who may verify the entry (allowed_actions) and whether it is stale.
        if (entry.stale && (entry.allowed_actions || []).includes('verify')) {
          found.push({ key: entry.id, href: `/authorities/${entry.id}`, name: entry.name, verified: entry.last_verified_at });
        }
        for (const sheet of sheets.items || []) {
          if (!sheet.stale) continue;
          const typeKey = `account.home.requestType.${sheet.request_type}`;
          const type = t(typeKey) === typeKey ? sheet.request_type : t(typeKey);
          found.push({
            key: sheet.id,
            href: sheetAddress(sheet),
            name: t('account.home.sheet', { type, measure: sheet.measure ? ` · ${sheet.measure}` : '' }),
            verified: sheet.last_verified_at,
          });
        }
        setEntries(found);
      })
      .catch(setError);
  }, [authority && authority.id]);
  if (!authority || !member.focal_point) return null;
  let content;
  if (error) content = html`<p role="alert">${problemMessage(error)}</p>`;
  else if (!entries) content = html`<${Skeleton} rows=${2} />`;
  else if (entries.length === 0) content = html`<p class="empty">${t('account.home.reverifyNone')}</p>`;
  else {
    content = html`
      <p>${t('account.home.reverifyIntro')}</p>
      <ul class="items">
        ${entries.map(
          (entry) => html`<li key=${entry.key}>
            <${MaybeLink} href=${entry.href}>${entry.name}<//>
            <span class="meta">${entry.verified
              ? t('account.home.lastVerified', { date: formatDate(entry.verified) })
              : t('account.home.neverVerified')}</span>
          </li>`,
        )}
      </ul>
    `;
  }
  return html`<section aria-labelledby="reverify-heading"><h2 id="reverify-heading">${t('account.home.reverify')}</h2>${content}</section>`;
}

export function Home() {
  const member = me.value;
  useEffect(() => {
    // The bell links to /#notifications: bring that section into view once it is drawn.
    if (window.location.hash === '#notifications') {
      const heading = document.getElementById('notifications');
      if (heading) heading.focus();
    }
  }, []);
  return html`
    <${Page} title=${t('home.title')}>
      <p>${t('home.welcome', { name: member.full_name })}${member.authority ? ` · ${member.authority.name}` : ''}</p>
      ${member.vetting_expired
        ? html`<div class="notice warning" role="status"><p>${t('home.vettingLapsed', {
            date: member.vetting_expires_at ? formatDate(member.vetting_expires_at) : '',
          })}</p></div>`
        : null}
      <${Notifications} />
      <${FollowedThreads} />
      <${MyCases} />
      <${Reverify} member=${member} />
      <${Forums} />
    <//>
  `;
}
