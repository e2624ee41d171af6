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
//
// Delivery: the server numbers events in one increasing sequence and sends each member the
// ones they may see, in order. The client keeps the highest id it has delivered, resumes
// after it on every reconnect (socket or long-poll), and drops anything at or below it, so a
// page sees every event once, in order, whatever happened to the connection.
import { signal } from '../vendor/signals.mjs';
import { api } from './api.js';

export const connection = signal('connecting');
const subscribers = new Set();

export function subscribe(types, handler) {
  const entry = { types: new Set(types), handler };
  subscribers.add(entry);
  return () => subscribers.delete(entry);
}

export function dispatch(message) {
  for (const entry of [...subscribers]) {
    const { types, handler } = entry;
    if (!subscribers.has(entry)) continue; // unsubscribed by an earlier handler
    if (message.event === 'reset' || types.has('*') || types.has(message.event)) {
      try {
        handler(message);
      } catch (error) {
        // One page's bug must not stop the others' updates.
        console.error(error); // eslint-disable-line no-console
      }
    }
  }
}

let sessionEnded = () => {};

/** Called when the server ends the socket because the session ended (close 4003). */
export function whenSessionEnds(callback) {
  sessionEnded = callback;
}

const WS_PATH = '/api/v1/ws';
const POLL_SECONDS = 25;
// Sockets that fail before 'ready' in a row before trying long-poll; once long-poll has
// worked, one failure is enough to go back to it.
const WS_FAILURES_BEFORE_POLL = 3;
// While long-polling, try the websocket again this often.
const WS_RETRY_WHILE_POLLING_MS = 5 * 60_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
// The server pings an idle socket (every 25 s by default); after this much silence the client
// pings, and without any answer within PONG_WAIT_MS the socket counts as dead.
const SILENCE_MS = 30_000;
const PONG_WAIT_MS = 15_000;

const SESSION_ENDED = 4003;
const AUTH_FAILED = 4001;

let run = null; // the current run; stopLive() or a new startLive() replaces it

class Run {
  constructor() {
    this.active = true;
    this.lastId = null; // highest event id delivered (or known to be behind us)
    this.socket = null;
    this.poll = null; // AbortController of the long-poll in flight
    this.wake = null; // resolves the pause between attempts early
    this.onOnline = () => this.wakeUp();
    this.onOffline = () => {
      // The browser knows the network is gone: do not wait for the heartbeat to notice.
      if (this.socket) this.socket.abandon('offline');
      if (this.poll) this.poll.abort();
      connection.value = 'offline';
    };
    this.onVisible = () => {
      if (document.visibilityState === 'visible' && connection.value === 'offline') this.wakeUp();
    };
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop() {
    this.active = false;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.socket) {
      const { ws } = this.socket;
      this.socket = null;
      ws.close(1000, 'signed out');
    }
    if (this.poll) this.poll.abort();
    this.wakeUp();
  }

  wakeUp() {
    if (this.wake) this.wake();
  }

  deliver(id, event, data) {
    if (!this.active || !Number.isInteger(id)) return;
    if (this.lastId !== null && id <= this.lastId) return; // already delivered
    this.lastId = id;
    dispatch({ id, event, data: data || {} });
  }

  reset(lastId) {
    if (!this.active) return;
    if (Number.isInteger(lastId)) this.lastId = lastId;
    dispatch({ event: 'reset' });
  }

  /** Positions the server says we are up to (heartbeats): events at or below were sent. */
  advance(lastId) {
    if (Number.isInteger(lastId) && this.lastId !== null && lastId > this.lastId) this.lastId = lastId;
  }

  pause(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = null;
    });
  }

  /**
   * One websocket, from opening to closing. Resolves to
   * {ready: whether it got as far as 'ready', code: the close code}.
   */
  socketOnce() {
    return new Promise((resolve) => {
      const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      let socket;
      try {
        socket = new WebSocket(`${scheme}//${window.location.host}${WS_PATH}`);
      } catch {
        resolve({ ready: false, code: 0 });
        return;
      }
      let ready = false;
      let silence = null;
      let pongWait = null;
      const mine = () => this.socket && this.socket.ws === socket;
      const finish = (code) => {
        if (!mine()) return;
        clearTimeout(silence);
        clearTimeout(pongWait);
        this.socket = null;
        resolve({ ready, code });
      };
      // Giving up on a socket (no answer, the browser went offline) must not wait for a
      // closing handshake that may never come: later frames from it are ignored.
      const abandon = (reason) => {
        finish(4000);
        try {
          socket.close(4000, reason);
        } catch {
          // already closed
        }
      };
      this.socket = { ws: socket, abandon };
      const quiet = () => {
        clearTimeout(silence);
        clearTimeout(pongWait);
        silence = setTimeout(() => {
          if (!mine() || socket.readyState !== WebSocket.OPEN) return;
          socket.send(JSON.stringify({ type: 'ping' }));
          pongWait = setTimeout(() => abandon('no answer to ping'), PONG_WAIT_MS);
        }, SILENCE_MS);
      };
      socket.addEventListener('open', () => {
        if (!mine()) return;
        const auth = { type: 'auth' };
        if (this.lastId !== null) auth.after = this.lastId;
        socket.send(JSON.stringify(auth));
        quiet();
      });
      socket.addEventListener('message', (message) => {
        if (!mine()) return;
        quiet();
        let frame;
        try {
          frame = JSON.parse(message.data);
        } catch {
          return;
        }
        if (frame.type === 'ready') {
          ready = true;
          if (this.lastId === null && Number.isInteger(frame.last_id)) this.lastId = frame.last_id;
          if (this.active) connection.value = 'online';
        } else if (frame.type === 'event') this.deliver(frame.id, frame.event, frame.data);
        else if (frame.type === 'reset') this.reset(frame.last_id);
        else if (frame.type === 'ping' || frame.type === 'pong') this.advance(frame.last_id);
      });
      socket.addEventListener('close', (event) => finish(event.code));
    });
  }

  /** One long-poll. Resolves to 'ok', 'failed' or 'ended' (the session has ended). */
  async pollOnce() {
    const controller = new AbortController();
    this.poll = controller;
    try {
      const query = this.lastId === null ? { timeout: 0 } : { after: this.lastId, timeout: POLL_SECONDS };
      const batch = await api('GET', '/events', { query, signal: controller.signal });
      if (!this.active) return 'ended';
      connection.value = 'online';
      if (this.lastId === null) this.lastId = batch.last_id;
      for (const item of batch.events) this.deliver(item.id, item.event, item.data);
      this.advance(batch.last_id);
      return 'ok';
    } catch (error) {
      if (!this.active) return 'ended';
      if (error && error.status === 410) {
        // What we missed is gone (position-expired) or never existed here (position-unknown).
        // The next poll starts from the head the server names when asked without a position.
        connection.value = 'online';
        this.lastId = null;
        this.reset(null);
        return 'ok';
      }
      if (error && error.status === 401) return 'ended'; // api.js has told the session
      return 'failed';
    } finally {
      if (this.poll === controller) this.poll = null;
    }
  }

  backoff(attempt) {
    // Full jitter: reconnecting tabs spread out instead of arriving together.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  async loop() {
    let attempt = 0; // consecutive failed attempts, for the backoff
    let socketFailures = 0; // consecutive sockets that closed before 'ready'
    let pollUntil = 0; // long-poll instead of the websocket until then
    let pollWorked = false;
    while (this.active) {
      if (Date.now() < pollUntil) {
        const outcome = await this.pollOnce();
        if (outcome === 'ended') return;
        if (outcome === 'ok') {
          pollWorked = true;
          attempt = 0;
          continue;
        }
        // The network itself may be down: next time, try the socket first.
        pollUntil = 0;
        connection.value = 'offline';
        attempt += 1;
      } else {
        const { ready, code } = await this.socketOnce();
        if (!this.active) return;
        if (code === SESSION_ENDED) {
          this.active = false;
          sessionEnded();
          return;
        }
        if (code === AUTH_FAILED) {
          // The cookie was refused: if the session is gone, /me says so and api.js tells
          // the session, which stops this run; otherwise try again later.
          try {
            await api('GET', '/me');
          } catch {
            if (!this.active) return;
          }
        }
        if (ready) {
          socketFailures = 0;
          pollWorked = false;
          attempt = 1; // reconnect soon, but not all tabs at the same instant
          connection.value = 'offline';
        } else {
          socketFailures += 1;
          attempt += 1;
          const limit = pollWorked ? 1 : WS_FAILURES_BEFORE_POLL;
          if (socketFailures >= limit) {
            // Sockets do not get through (a proxy, a firewall): long-poll for a while.
            socketFailures = 0;
            pollUntil = Date.now() + WS_RETRY_WHILE_POLLING_MS;
            continue;
          }
          if (connection.value !== 'online' || !pollWorked) connection.value = 'offline';
        }
      }
      await this.pause(this.backoff(attempt));
    }
  }
}

export function startLive() {
  if (run) return;
  connection.value = 'connecting';
  run = new Run();
  run.loop();
}

export function stopLive() {
  if (!run) return;
  run.stop();
  run = null;
  connection.value = 'connecting';
}
