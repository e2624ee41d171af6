// Entries waiting for me (/catalogue/queue): my own, those awaiting my authority's consent or
// whose consent it may withdraw (focal points), those in review (moderators), as the API's
// queue lists them, each with what the API lets me do to it now.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDateTime, relativeTime, t } from '../i18n.js';
import { StatusBadge, actionLabel, entryAddress, kindLabel } from './catalogue-common.js';

// Steps that mean the entry waits for the member (the others are there if they need them).
const WAITING = ['consent', 'decline', 'approve', 'request_changes', 'reject', 'submit'];

export function Queue() {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/catalogue/queue').then(setItems).catch(setError);
  }, []);
  let body;
  if (error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!items) body = html`<${Skeleton} rows=${4} />`;
  else if (items.length === 0) {
    body = html`<div class="cat-empty"><p class="empty">${t('catalogue.queue.empty')}</p>
      <p><a href="/catalogue/new">${t('catalogue.browse.writeNote')}</a></p></div>`;
  } else {
    const waiting = items.filter((item) => item.allowed_actions.some((a) => WAITING.includes(a)));
    const others = items.filter((item) => !waiting.includes(item));
    const list = (entries) => html`<ul class="items cat-queue">
      ${entries.map(
        (item) => html`<li key=${item.id}>
          <div>
            <a href=${entryAddress(item.id)}>${item.title}</a>
            <p class="meta">${kindLabel(item.kind)} · <time datetime=${item.updated_at} title=${formatDateTime(item.updated_at)}>${t('catalogue.queue.updated', { when: relativeTime(item.updated_at) })}</time></p>
            ${item.allowed_actions.length
              ? html`<p class="meta">${t('catalogue.queue.youMay', { actions: item.allowed_actions.map(actionLabel).join(', ') })}</p>`
              : null}
          </div>
          <${StatusBadge} status=${item.status} />
        </li>`,
      )}
    </ul>`;
    body = html`
      <section aria-labelledby="waiting-heading">
        <h2 id="waiting-heading">${t('catalogue.queue.waiting', { count: waiting.length })}</h2>
        ${waiting.length ? list(waiting) : html`<p class="empty">${t('catalogue.queue.nothingWaiting')}</p>`}
      </section>
      ${others.length
        ? html`<section aria-labelledby="others-heading">
            <h2 id="others-heading">${t('catalogue.queue.others', { count: others.length })}</h2>
            ${list(others)}
          </section>`
        : null}
    `;
  }
  return html`
    <${Page} title=${t('catalogue.queue.title')}>
      <nav class="breadcrumbs" aria-label=${t('catalogue.entry.breadcrumbs')}>
        <a href="/catalogue">${t('catalogue.browse.title')}</a> › <span aria-current="page">${t('catalogue.queue.title')}</span>
      </nav>
      <p>${t('catalogue.queue.intro')}</p>
      ${body}
    <//>
  `;
}
