// Who is signed in, and everything the client holds for them. The session itself is the
// API's HttpOnly cookie: nothing about it is kept in web storage or the URL.
import { signal } from '../vendor/signals.mjs';
import { api, mayHaveSession, whenUnauthorized } from './api.js';
import { startLive, stopLive, whenSessionEnds } from './live.js';

export const me = signal(null);
/** 'unknown' until /me answers, then 'signed-in' or 'signed-out'. */
export const sessionState = signal('unknown');
/**
 * Why the member was signed out, shown on the sign-in page: null | 'ended' | 'signed-out' |
 * 'revoked' (the server ended the session: an administrator, another window, a suspension).
 */
export const signedOutReason = signal(null);
export const unreadNotifications = signal(0);
/** The recovery codes of a just-finished enrollment: shown once, before anything else. */
export const pendingRecoveryCodes = signal(null);

const resets = [];
/** Register a function that forgets a page's data at sign-out. */
export function onSignOut(reset) {
  resets.push(reset);
}

export function clearClientState(reason = null) {
  stopLive();
  me.value = null;
  unreadNotifications.value = 0;
  pendingRecoveryCodes.value = null;
  for (const reset of resets) reset();
  try {
    window.sessionStorage.clear();
  } catch {
    // nothing was stored
  }
  signedOutReason.value = reason;
  sessionState.value = 'signed-out';
}

whenUnauthorized(() => {
  if (sessionState.value === 'signed-in') clearClientState('ended');
});

whenSessionEnds(() => {
  if (sessionState.value === 'signed-in') clearClientState('revoked');
});

export async function loadMe() {
  if (!mayHaveSession()) {
    clearClientState(null);
    return;
  }
  try {
    me.value = await api('GET', '/me', { anonymous: true });
    sessionState.value = 'signed-in';
    signedOutReason.value = null;
    startLive();
    refreshUnread();
  } catch (error) {
    if (error.status === 401) {
      clearClientState(null);
      return;
    }
    throw error;
  }
}

// Several requests answer with the unread count (the bell's refresh, a page's list, marking
// read), and their answers may come back out of order: a count answered to a request sent
// before the last one applied would undo a newer count (mark one read, then an older list
// answer puts the number back).
let unreadIssued = 0;
let unreadApplied = 0;

/** Run `request` and take the unread count its answer carries, unless it is stale. */
export async function withUnread(request) {
  const ticket = ++unreadIssued;
  const answer = await request();
  if (ticket > unreadApplied) {
    unreadApplied = ticket;
    unreadNotifications.value = answer.unread_count;
  }
  return answer;
}

export async function refreshUnread() {
  if (sessionState.value !== 'signed-in') return;
  try {
    await withUnread(() => api('GET', '/notifications', { query: { unread: true, limit: 1 } }));
  } catch {
    // the count stays as it was; the next refresh tries again
  }
}

export async function signOut() {
  try {
    await api('POST', '/auth/logout');
  } finally {
    clearClientState('signed-out');
  }
}

export function hasRole(...roles) {
  const member = me.value;
  return Boolean(member && member.roles.some((role) => roles.includes(role)));
}
