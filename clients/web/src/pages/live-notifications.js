// Notifications: the list (newest first, cursor paging, mark read) and the delivery
// preferences per type (/settings/notifications, the link every notification email carries).
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDateTime, relativeTime, t } from '../i18n.js';
import { subscribe } from '../live.js';
import { currentLocation } from '../router.js';
import { unreadNotifications, withUnread } from '../session.js';

const PAGE_SIZE = 20;

/** A catalog string for a server value, or the server's own words for one the client lacks. */
function known(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

function When({ iso }) {
  return html`<time datetime=${iso} title=${formatDateTime(iso)}>${relativeTime(iso)}</time>`;
}

function Filters({ unreadOnly, count }) {
  return html`
    <nav class="live-filters" aria-label=${t('live.list.filters')}>
      <ul>
        <li><a href="/notifications" aria-current=${unreadOnly ? undefined : 'page'}>${t('live.list.all')}</a></li>
        <li>
          <a href="/notifications?show=unread" aria-current=${unreadOnly ? 'page' : undefined}>
            ${t('live.list.unreadTab', { count })}
          </a>
        </li>
      </ul>
    </nav>
  `;
}

function Item({ item, onRead }) {
  const unread = !item.read_at;
  // Following the link reads it: mark it so without holding up the navigation.
  const follow = () => {
    if (unread) onRead(item, { quiet: true });
  };
  return html`
    <li class=${unread ? 'live-notification unread' : 'live-notification'}>
      <div class="live-notification-text">
        ${unread ? html`<span class="badge live-unread">${t('live.list.unread')}</span> ` : null}
        <a href=${item.url} onClick=${follow}>${item.title}</a>
        <p class="meta">${known(`live.kind.${item.type}`, item.type)} · <${When} iso=${item.created_at} /></p>
      </div>
      ${unread
        ? html`<button type="button" class="link-button" onClick=${() => onRead(item)}>
            ${t('live.list.markRead')}<span class="visually-hidden">: ${item.title}</span>
          </button>`
        : html`<span class="meta">${t('live.list.read')}</span>`}
    </li>
  `;
}

export function Notifications() {
  const unreadOnly = currentLocation.value.query.get('show') === 'unread';
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [done, setDone] = useState('');
  const generation = useRef(0);

  const firstPage = () => api('GET', '/notifications', { query: { unread: unreadOnly || undefined, limit: PAGE_SIZE } });

  const load = async () => {
    const mine = ++generation.current;
    setError(null);
    try {
      const page = await withUnread(firstPage);
      if (mine !== generation.current) return;
      setItems(page.items);
      setCursor(page.next_cursor);
    } catch (problem) {
      if (mine === generation.current) setError(problem);
    }
  };

  useEffect(() => {
    setItems(null);
    load();
    // New ones go on top as they arrive; after a reset (missed events) the list is read again.
    return subscribe(['notification.created'], async (message) => {
      if (message.event === 'reset') {
        load();
        return;
      }
      try {
        const page = await withUnread(firstPage);
        setItems((current) => {
          if (!current) return current;
          const have = new Set(current.map((item) => item.id));
          return [...page.items.filter((item) => !have.has(item.id)), ...current];
        });
      } catch {
        // the next notification or a reload brings it
      }
    });
  }, [unreadOnly]);

  const more = async () => {
    setLoadingMore(true);
    try {
      const page = await withUnread(() =>
        api('GET', '/notifications', {
          query: { unread: unreadOnly || undefined, limit: PAGE_SIZE, cursor },
        }),
      );
      setItems((current) => {
        const have = new Set(current.map((item) => item.id));
        return [...current, ...page.items.filter((item) => !have.has(item.id))];
      });
      setCursor(page.next_cursor);
    } catch (problem) {
      setError(problem);
    } finally {
      setLoadingMore(false);
    }
  };

  const markRead = async (body, readIds) => {
    setDone('');
    try {
      const result = await withUnread(() => api('POST', '/notifications/read', { body }));
      const now = new Date().toISOString();
      setItems((current) =>
        current.map((item) => (!item.read_at && (readIds === null || readIds.includes(item.id)) ? { ...item, read_at: now } : item)),
      );
      return true;
    } catch (problem) {
      setError(problem);
      return false;
    }
  };
  const readOne = async (item, { quiet = false } = {}) => {
    if ((await markRead({ ids: [item.id] }, [item.id])) && !quiet) setDone(t('live.list.markedOne', { title: item.title }));
  };
  const readAll = async () => {
    if (await markRead({ all: true }, null)) setDone(t('live.list.markedAll'));
  };

  const count = unreadNotifications.value;
  let content;
  if (!items && error) content = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!items) content = html`<${Skeleton} rows=${4} />`;
  else if (items.length === 0) {
    content = html`<p class="empty">${unreadOnly ? t('live.list.noneUnread') : t('live.list.none')}</p>`;
  } else {
    content = html`
      ${error ? html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>` : null}
      <ul class="items live-notifications" aria-label=${t('live.list.label')}>
        ${items.map((item) => html`<${Item} key=${item.id} item=${item} onRead=${readOne} />`)}
      </ul>
      ${cursor
        ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${loadingMore} disabled=${loadingMore}
            onClick=${more}>${t('live.list.more')}<//></div>`
        : null}
    `;
  }
  return html`
    <${Page} title=${t('live.list.title')}>
      <p>${t('live.list.intro')} <a href="/settings/notifications">${t('live.list.settingsLink')}</a></p>
      <${Filters} unreadOnly=${unreadOnly} count=${count} />
      <div class="actions">
        <p class="live-count">${t('live.list.unreadCount', { count })}</p>
        ${count > 0 ? html`<button type="button" class="button secondary" onClick=${readAll}>${t('live.list.markAllRead')}</button>` : null}
      </div>
      <p class="visually-hidden" role="status">${done}</p>
      ${content}
    <//>
  `;
}

// Types grouped as a member thinks of them; a type the server adds later goes under "Other",
// labelled with the server's own description until the catalogs name it.
const GROUPS = [
  ['forums', ['mention', 'reply', 'followed_thread', 'followed_forum']],
  [
    'cases',
    ['case_received', 'case_acknowledged', 'case_message', 'case_status', 'case_deadline', 'case_cannot_meet', 'case_invitation'],
  ],
  ['membership', ['vetting_decision', 'vetting_lapsing', 'vetting_endorsement', 'moderation_application', 'moderation_flag']],
  ['directory', ['directory_stale', 'directory_contact_failed']],
  ['catalogue', ['catalogue_consent', 'catalogue_review', 'catalogue_decision']],
];
const MODES = ['in_app', 'email', 'digest', 'off'];

function TypeChoice({ type, description, offered, value, error, onChange }) {
  const legendId = `pref-${type}-legend`;
  return html`
    <fieldset class=${error ? 'field live-pref has-error' : 'field live-pref'} aria-describedby=${error ? `field-${type}-error` : undefined}>
      <legend id=${legendId}>${known(`live.prefs.type.${type}`, description)}</legend>
      ${error ? html`<span class="error-message" id=${`field-${type}-error`}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
      <div class="live-radios">
        ${MODES.filter((mode) => !offered || offered.includes(mode)).map(
          (mode, index) => html`
            <div class="radio" key=${mode}>
              <input type="radio" name=${`pref-${type}`} id=${index === 0 ? `field-${type}` : `field-${type}-${mode}`} value=${mode}
                checked=${value === mode} onChange=${() => onChange(type, mode)} />
              <label for=${index === 0 ? `field-${type}` : `field-${type}-${mode}`}>${t(`live.prefs.mode.${mode}`)}</label>
            </div>
          `,
        )}
      </div>
    </fieldset>
  `;
}

export function NotificationSettings() {
  const [saved, setSaved] = useState(null); // {preferences, types} as the server has them
  const [choices, setChoices] = useState({});
  const [loadError, setLoadError] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [confirmation, setConfirmation] = useState('');
  const confirmationRef = useRef(null);

  useEffect(() => {
    api('GET', '/me/notification-preferences')
      .then((answer) => {
        setSaved(answer);
        setChoices(answer.preferences);
      })
      .catch(setLoadError);
  }, []);
  useEffect(() => {
    if (confirmation && confirmationRef.current) confirmationRef.current.focus();
  }, [confirmation]);

  const change = (type, mode) => {
    setConfirmation('');
    setChoices((current) => ({ ...current, [type]: mode }));
  };
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setConfirmation('');
    try {
      const changes = Object.fromEntries(Object.entries(choices).filter(([type, mode]) => saved.preferences[type] !== mode));
      const answer = Object.keys(changes).length
        ? await api('PUT', '/me/notification-preferences', { body: { preferences: changes } })
        : saved;
      setSaved(answer);
      setChoices(answer.preferences);
      setConfirmation(t('live.prefs.saved'));
    } catch (problem) {
      setError(problem); // what the member chose stays chosen
    } finally {
      setBusy(false);
    }
  };

  if (loadError) {
    return html`<${Page} title=${t('live.prefs.title')}><div class="notice warning" role="alert"><p>${problemMessage(loadError)}</p></div><//>`;
  }
  if (!saved) return html`<${Page} title=${t('live.prefs.title')}><${Skeleton} rows=${6} /><//>`;

  const fieldErrors = {};
  for (const item of (error && error.errors) || []) {
    const type = String(item.field || '').replace(/^preferences\./, '');
    if (type in choices && !fieldErrors[type]) fieldErrors[type] = item.message;
  }
  const labels = Object.fromEntries(Object.keys(choices).map((type) => [type, known(`live.prefs.type.${type}`, saved.types[type] || type)]));
  const grouped = new Set(GROUPS.flatMap(([, types]) => types));
  const others = Object.keys(choices).filter((type) => !grouped.has(type));
  const sections = [...GROUPS, ['other', others]]
    .map(([group, types]) => [group, types.filter((type) => type in choices)])
    .filter(([, types]) => types.length > 0);

  return html`
    <${Page} title=${t('live.prefs.title')}>
      <${ErrorSummary} error=${error} fields=${fieldErrors} labels=${labels} />
      <p>${t('live.prefs.intro')}</p>
      <p class="hint">${t('live.prefs.noContent')}</p>
      ${confirmation
        ? html`<div class="notice success" role="status" tabindex="-1" ref=${confirmationRef}><p>${confirmation}</p></div>`
        : null}
      <form onSubmit=${submit} novalidate>
        ${sections.map(
          ([group, types]) => html`
            <section key=${group} aria-labelledby=${`prefs-${group}`}>
              <h2 id=${`prefs-${group}`}>${t(`live.prefs.group.${group}`)}</h2>
              ${types.map(
                (type) => html`<${TypeChoice} key=${type} type=${type} description=${saved.types[type] || type}
                  offered=${(saved.modes || {})[type]}
                  value=${choices[type]} error=${fieldErrors[type]} onChange=${change} />`,
              )}
            </section>
          `,
        )}
        <div class="actions">
          <${Button} type="submit" busy=${busy} disabled=${busy}>${t('live.prefs.save')}<//>
          <a href="/notifications">${t('live.prefs.back')}</a>
        </div>
      </form>
    <//>
  `;
}
