// What the live connection means for the whole page: the offline banner, the message when the
// server ended the session, and the notification count moving as notifications arrive.
import { signal } from '../vendor/signals.mjs';
import { html } from './html.js';
import { t } from './i18n.js';
import { connection, subscribe } from './live.js';
import { refreshUnread, sessionState, signedOutReason, unreadNotifications } from './session.js';

const announcement = signal('');
let pending = null;

/** Re-read the count (coalescing bursts), and announce it when a notification arrived. */
function refreshSoon(announce) {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    const before = unreadNotifications.value;
    await refreshUnread();
    const now = unreadNotifications.value;
    if (announce && now > before) {
      announcement.value = '';
      announcement.value = t('live.unreadNow', { count: now });
    }
  }, 200);
}

subscribe(['notification.created'], (message) => refreshSoon(message.event !== 'reset'));

/** Always in the page (live regions must exist before their text changes to be read out). */
export function LiveStatus() {
  const signedIn = sessionState.value === 'signed-in';
  const offline = signedIn && connection.value === 'offline';
  const revoked = !signedIn && signedOutReason.value === 'revoked';
  return html`
    <div class="live-status" role="status">
      ${offline ? html`<p class="notice warning live-offline">${t('live.offline')}</p>` : null}
      ${revoked
        ? html`<div class="notice warning"><p><strong>${t('live.signedOut.title')}</strong></p><p>${t('live.signedOut.body')}</p></div>`
        : null}
    </div>
    <p class="visually-hidden" role="status">${signedIn ? announcement.value : ''}</p>
  `;
}
