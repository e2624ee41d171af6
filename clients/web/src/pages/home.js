// Home: what needs the member's attention (unread notifications, forums with unread posts).
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, formatDateTime, relativeTime, t } from '../i18n.js';
import { isClientRoute } from '../router.js';
import { me, unreadNotifications } from '../session.js';

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
    api('GET', '/notifications', { query: { unread: true, limit: 20 } })
      .then((answer) => {
        setPage(answer);
        unreadNotifications.value = answer.unread_count;
      })
      .catch(setError);
  useEffect(() => {
    load();
  }, []);
  const markRead = async (body) => {
    try {
      const result = await api('POST', '/notifications/read', { body });
      unreadNotifications.value = result.unread_count;
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
      <${Forums} />
    <//>
  `;
}
