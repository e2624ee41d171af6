// Live updates: one websocket per tab (cookie auth, resumed from the last event id), with
// long-poll when websockets are blocked. Pages subscribe to event types; the connection
// state drives the offline banner.
//
// Interface (stable; pages rely on it):
//   subscribe(types, handler) -> unsubscribe
//     types: event names such as 'post.created', or '*' for all; handler gets
//     {id, event, data}. A 'reset' (the server no longer has what we missed) is delivered
//     to every subscriber as {event: 'reset'}: reload what the page shows.
//   connection: signal of 'connecting' | 'online' | 'offline'
//   startLive() / stopLive(): called by the session on sign-in / sign-out.
import { signal } from '../vendor/signals.mjs';

export const connection = signal('connecting');
const subscribers = new Set();

export function subscribe(types, handler) {
  const entry = { types: new Set(types), handler };
  subscribers.add(entry);
  return () => subscribers.delete(entry);
}

export function dispatch(message) {
  for (const { types, handler } of subscribers) {
    if (message.event === 'reset' || types.has('*') || types.has(message.event)) handler(message);
  }
}

export function startLive() {}

export function stopLive() {}
