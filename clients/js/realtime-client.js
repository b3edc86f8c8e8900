// JavaScript client for realtime-server, protocol v1 (docs/protocol.md in the server's repository).
// One ES module without dependencies, for browsers and Node 22+ (global WebSocket); elsewhere pass a
// WHATWG-compatible WebSocket constructor as `options.WebSocket` (on Node 20: the `ws` package).

/** Codes of the server's `error` frames, with what they mean and what to do. */
export const ERROR_CODES = Object.freeze({
  bad_request: 'malformed frame or field (the message names it): fix the request, do not retry it as is',
  unauthorized: 'bad or expired token: get a new token',
  forbidden: 'not allowed (role, room not joined, guest, banned, or muted: then reason "muted"): do not retry',
  not_found: 'no such room, message or user in this org: refresh local state',
  conflict: 'the id exists already (room.create): pick another id or join it',
  too_large: 'text over max_text, or too many different emojis: shorten',
  rate_limited: 'over a rate limit: retry after retryAfterMs',
  message_blocked: 'the moderator blocked it (reason is the category): show it, do not resend',
  internal: 'the server failed: retry later',
  unavailable: 'storage or the cluster is briefly unavailable: retry with backoff',
});

/** Codes of errors raised by the client itself. */
export const CLIENT_ERROR_CODES = Object.freeze({
  timeout: 'no reply within the request timeout',
  disconnected: 'not connected, or the connection was lost before the reply came',
  closed: 'client.close() was called',
});

/** WebSocket close codes the server uses (and 1006, a connection lost without a close frame). */
export const CLOSE_CODES = Object.freeze({
  1000: 'normal close',
  1001: 'server going away (shutdown): reconnect and recover',
  1006: 'connection lost without a close frame: reconnect and recover',
  1008: 'policy, e.g. too many sessions for the user: reconnect after a pause',
  1009: 'frame over max_frame_bytes: reconnect, without that frame',
  1011: 'internal error: reconnect with backoff',
  4001: 'authentication failed or timed out: reconnect only with a new token',
  4003: 'forbidden, the user is banned: do not reconnect',
  4008: 'rate limit abuse: reconnect after a pause',
  4009: 'slow consumer (read too slowly): reconnect and recover',
  4010: 'token expired: reconnect with a fresh token',
});

// Close codes that end the session for a reason an error code describes better.
const CLOSE_ERRORS = { 1008: 'forbidden', 4001: 'unauthorized', 4003: 'forbidden', 4008: 'rate_limited', 4010: 'unauthorized' };
// The server asks for a pause before these reconnects, so they wait at least half of reconnect.maxMs.
const PAUSE_CLOSE_CODES = new Set([1008, 4008]);
const REFRESH_MARGIN_MS = 30_000;

/** Every failure the client reports: server `error` replies, timeouts, lost connections, fatal closes. */
export class RealtimeError extends Error {
  constructor(code, message, { reason, retryAfterMs, frame, request, closeCode } = {}) {
    super(message || ERROR_CODES[code] || CLIENT_ERROR_CODES[code] || code);
    this.name = 'RealtimeError';
    this.code = code;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
    this.frame = frame;
    this.request = request;
    this.closeCode = closeCode;
  }
}

const serverError = (frame, request) =>
  new RealtimeError(frame.code, frame.message, { reason: frame.reason, retryAfterMs: frame.retry_after_ms, frame, request });

const closeError = (code, reason) =>
  new RealtimeError(CLOSE_ERRORS[code] ?? 'disconnected', `connection closed with ${code}${reason ? ` (${reason})` : ''}: ${CLOSE_CODES[code] ?? 'unexpected close'}`, { reason, closeCode: code });

// crypto.randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere.
const newClientMsgId = () =>
  globalThis.crypto.randomUUID?.() ?? Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

// The payload of a JWT, unverified: the client only needs `exp` (and `iat`) to schedule refreshes.
function jwtClaims(token) {
  try {
    const base64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))));
  } catch {
    return null; // not a JWT: no scheduled refresh; reconnects still fetch a fresh token
  }
}

export class RealtimeClient {
  #url;
  #getToken;
  #WebSocket;
  #requestTimeoutMs;
  #baseMs;
  #maxMs;
  #handlers = new Map();

  #state = 'closed'; // closed | connecting | syncing | connected | reconnecting
  #ws = null;
  #hello = null;
  #token = null; // the token the current session runs on
  #gen = 0; // bumped by every attempt and by close(), so a stale getToken() result is dropped
  #resume = false; // true once connected: from then on, drops are reconnected
  #attempt = 0; // reconnect attempts since the last connection that lasted
  #upSince = 0; // when the current session was authenticated
  #authFailures = 0; // consecutive 4001 closes
  #waiters = []; // connect() calls waiting for the next connection
  #timers = { reconnect: null, refresh: null, ping: null };

  #nextId = 0;
  #pending = new Map(); // request id -> { frame, resolve, reject, timer, resend, onReply }
  #queue = []; // sends waiting for a connection, in order; same entries as #pending
  #rooms = new Map(); // joined room -> { epoch, lastSeq }: lastSeq is the highest seq the app has seen
  #subscriptions = new Map(); // key -> subscribe frame, renewed after a reconnect
  #away = false;

  /**
   * @param {object} options
   * @param {string} options.url  ws(s)://host:port/ws
   * @param {() => string | Promise<string>} options.getToken  called for every connection and refresh
   * @param {typeof WebSocket} [options.WebSocket]  defaults to globalThis.WebSocket
   * @param {number} [options.requestTimeoutMs=10000]
   * @param {{baseMs?: number, maxMs?: number}} [options.reconnect]  backoff: random(0, min(maxMs, baseMs * 2^(attempt - 1)))
   */
  constructor({ url, getToken, WebSocket = globalThis.WebSocket, requestTimeoutMs = 10_000, reconnect = {} } = {}) {
    if (!url) throw new TypeError('options.url is required');
    if (typeof getToken !== 'function') throw new TypeError('options.getToken must be a function returning a token');
    if (typeof WebSocket !== 'function') throw new TypeError('no WebSocket available: pass options.WebSocket (e.g. from the "ws" package)');
    this.#url = url;
    this.#getToken = getToken;
    this.#WebSocket = WebSocket;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#baseMs = reconnect.baseMs ?? 500;
    this.#maxMs = reconnect.maxMs ?? 30_000;
  }

  /** 'closed' | 'connecting' | 'syncing' (authenticated, rejoining rooms) | 'connected' | 'reconnecting' (waiting to retry) */
  get state() {
    return this.#state;
  }

  /** Where the app stands in a joined room: pass it to join() to resume after a page reload. */
  position(room) {
    const pos = this.#rooms.get(room);
    return pos && { since: pos.lastSeq, epoch: pos.epoch };
  }

  // --- events ---

  /** Subscribes to an event ('*' receives every event as (type, payload)); returns a function that unsubscribes. */
  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.off(type, handler);
  }

  off(type, handler) {
    this.#handlers.get(type)?.delete(handler);
  }

  #emit(type, payload) {
    for (const handler of [...(this.#handlers.get(type) ?? [])]) this.#call(handler, payload);
    for (const handler of [...(this.#handlers.get('*') ?? [])]) this.#call(handler, type, payload);
  }

  // A throwing handler must not break the client's state: its error is rethrown on its own.
  #call(handler, ...args) {
    try {
      handler(...args);
    } catch (err) {
      setTimeout(() => {
        throw err;
      });
    }
  }

  // --- connection ---

  /**
   * Connects and authenticates; resolves with the `hello` once rooms are rejoined. A first connect makes one
   * attempt and rejects on failure; after that, drops reconnect by themselves. While waiting to reconnect,
   * connect() retries at once.
   */
  connect() {
    if (this.#state === 'connected') return Promise.resolve(this.#hello);
    const connected = new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === 'closed' || this.#state === 'reconnecting') {
      clearTimeout(this.#timers.reconnect);
      this.#open();
    }
    return connected;
  }

  /** Closes for good: pending requests and queued sends reject with 'closed', rooms and subscriptions are forgotten. */
  close() {
    const ws = this.#ws;
    this.#gen++;
    this.#resume = false;
    clearTimeout(this.#timers.reconnect);
    this.#detach();
    const error = new RealtimeError('closed', 'client.close() was called');
    for (const entry of [...this.#pending.values(), ...this.#queue]) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.#pending.clear();
    this.#queue = [];
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#rooms.clear();
    this.#subscriptions.clear();
    this.#away = false;
    this.#state = 'closed';
    if (ws) {
      ws.close(1000);
      this.#emit('disconnected', { code: 1000, reason: 'client closed', willReconnect: false });
    }
  }

  async #open() {
    const gen = ++this.#gen;
    this.#state = 'connecting';
    let token;
    try {
      token = await this.#getToken();
    } catch (err) {
      if (gen === this.#gen) this.#lost(null, '', new RealtimeError('unauthorized', `getToken() failed: ${err?.message ?? err}`));
      return;
    }
    if (gen !== this.#gen) return; // closed (or restarted) while the token was fetched
    let ws;
    try {
      ws = new this.#WebSocket(this.#url, 'rts.v1');
    } catch (err) {
      this.#lost(null, '', new RealtimeError('disconnected', `cannot open ${this.#url}: ${err?.message ?? err}`));
      return;
    }
    this.#ws = ws;
    ws.onopen = () => this.#authenticate(ws, token);
    ws.onmessage = (event) => this.#receive(ws, event.data);
    ws.onclose = (event) => ws === this.#ws && this.#lost(event.code, event.reason);
    ws.onerror = () => {}; // a close event follows, with the code that matters
  }

  async #authenticate(ws, token) {
    let hello;
    try {
      hello = await this.#request({ type: 'auth', token });
    } catch (err) {
      this.#drop(ws, err); // refused (the server also closes with 4001) or unanswered
      return;
    }
    this.#hello = hello;
    this.#token = token;
    this.#upSince = Date.now();
    this.#authFailures = 0;
    this.#state = 'syncing';
    this.#scheduleRefresh();
    this.#timers.ping = setInterval(() => this.#ping(ws), hello.heartbeat_ms ?? 25_000);
    await this.#resync(ws);
    if (ws !== this.#ws) return;
    this.#state = 'connected';
    this.#resume = true;
    for (const entry of this.#queue.splice(0)) this.#transmit(entry); // offline sends, in order, same client_msg_id
    this.#emit('connected', hello);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(hello);
  }

  // Restores what the server forgot with the old session: rooms (from the last seq seen), subscriptions, away.
  async #resync(ws) {
    const jobs = [...this.#rooms].map(([room, pos]) =>
      this.#request({ type: 'join', room, since: pos.lastSeq, epoch: pos.epoch }, { onReply: (joined) => this.#applyJoined(joined, pos) })
        .catch((err) => this.#resyncFailed(ws, err, () => this.#rooms.delete(room))),
    );
    for (const [key, frame] of this.#subscriptions) {
      jobs.push(
        this.#request(frame)
          .then((reply) => reply.type === 'leaderboard' && this.#emit('leaderboard', reply))
          .catch((err) => this.#resyncFailed(ws, err, () => this.#subscriptions.delete(key))),
      );
    }
    if (this.#away) jobs.push(this.#request({ type: 'presence.set', status: 'away' }).catch((err) => this.#resyncFailed(ws, err)));
    await Promise.all(jobs);
  }

  // A refusal (room gone, kicked, no longer allowed) is reported and forgotten; no answer means start over.
  #resyncFailed(ws, err, forget) {
    if (ws !== this.#ws) return; // the connection dropped: the next one retries
    if (err.code === 'timeout') return this.#drop(ws, err);
    forget?.();
    this.#emit('error', err);
  }

  // Gives up on a socket that is not answering (or refused auth) as if it had closed.
  #drop(ws, error) {
    if (ws !== this.#ws) return;
    this.#lost(error.closeCode ?? 1006, error.message, error);
    ws.close();
  }

  #detach() {
    if (this.#ws) this.#ws.onopen = this.#ws.onmessage = this.#ws.onclose = null;
    this.#ws = null;
    this.#hello = null;
    this.#upSince = 0;
    clearTimeout(this.#timers.refresh);
    clearInterval(this.#timers.ping);
  }

  #lost(code, reason = '', error = closeError(code, reason)) {
    // A connection that lasted starts the backoff over; short-lived ones (a token the server closes at once) keep it growing.
    if (this.#upSince && Date.now() - this.#upSince >= this.#maxMs) this.#attempt = 0;
    this.#detach();
    // No reply can arrive any more: unacknowledged sends go back to the front of the queue (resent with the
    // same client_msg_id, which the server deduplicates); every other request fails.
    const resend = [];
    for (const entry of this.#pending.values()) {
      clearTimeout(entry.timer);
      if (entry.resend) resend.push(entry);
      else entry.reject(new RealtimeError('disconnected', `connection lost before the reply to ${entry.frame.type}`, { request: entry.frame, closeCode: code }));
    }
    this.#pending.clear();
    this.#queue.unshift(...resend);

    this.#authFailures = code === 4001 ? this.#authFailures + 1 : 0;
    const retry = this.#resume && code !== 4003 && this.#authFailures < 2; // a 4001 gets one more try with a fresh token
    this.#emit('disconnected', { code, reason, willReconnect: retry });
    if (retry) return this.#scheduleReconnect(code);

    this.#state = 'closed';
    if (this.#resume) this.#emit('error', error);
    this.#resume = false;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const entry of this.#queue.splice(0)) entry.reject(error);
  }

  // Full jitter, random(0, min(maxMs, baseMs * 2^(attempt - 1))), so clients dropped together don't return
  // together; after 1008 and 4008 the server asked for a pause: between maxMs / 2 and maxMs.
  #scheduleReconnect(code) {
    const attempt = ++this.#attempt;
    const ceiling = PAUSE_CLOSE_CODES.has(code) ? this.#maxMs : Math.min(this.#maxMs, this.#baseMs * 2 ** (attempt - 1));
    const floor = PAUSE_CLOSE_CODES.has(code) ? ceiling / 2 : 0;
    const delayMs = Math.round(floor + Math.random() * (ceiling - floor));
    this.#state = 'reconnecting';
    this.#emit('reconnecting', { attempt, delayMs, code });
    this.#timers.reconnect = setTimeout(() => this.#open(), delayMs);
  }

  // Refreshes shortly before exp: 30 s, or a tenth of the token's lifetime when that is shorter.
  #scheduleRefresh() {
    const claims = jwtClaims(this.#token);
    if (!Number.isFinite(claims?.exp)) return;
    const expMs = claims.exp * 1000;
    const lifetimeMs = expMs - (Number.isFinite(claims.iat) ? claims.iat * 1000 : Date.now());
    const marginMs = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10);
    // At least a second apart, so a clock far off the server's can't make it spin.
    const delayMs = Math.max(expMs - marginMs - Date.now(), 1000);
    const ws = this.#ws;
    this.#timers.refresh = setTimeout(() => this.#refresh(ws), delayMs);
  }

  async #refresh(ws) {
    try {
      const token = await this.#getToken();
      // Nothing newer: the server closes with 4010 at exp and the reconnect asks getToken() again.
      if (ws !== this.#ws || token === this.#token) return;
      await this.#request({ type: 'refresh', token });
      this.#token = token;
      this.#scheduleRefresh();
    } catch (err) {
      if (ws === this.#ws) this.#emit('error', err); // the session keeps its token; at exp, 4010 and a reconnect
    }
  }

  // Application-level ping: a connection that silently died (no close event) is noticed and replaced.
  #ping(ws) {
    this.#request({ type: 'ping' }).catch((err) => err.code === 'timeout' && this.#drop(ws, err));
  }

  // --- frames ---

  #receive(ws, data) {
    if (ws !== this.#ws) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // the server sends JSON text only
    }
    if (typeof frame?.type !== 'string') return;
    if (frame.re !== undefined) return this.#settle(frame);
    if (frame.type === 'error') return this.#emit('error', serverError(frame));
    if (frame.type === 'message' && !this.#advance(frame.room, frame.msg)) return;
    if (frame.type === 'kicked') this.#rooms.delete(frame.room);
    this.#emit(frame.type, frame);
  }

  #settle(reply) {
    const entry = this.#pending.get(reply.re);
    if (!entry) return; // its request timed out already
    this.#pending.delete(reply.re);
    clearTimeout(entry.timer);
    if (reply.type === 'error') return entry.reject(serverError(reply, entry.frame));
    // Synchronously, before pushes that follow in the same read (`joined` sets the position they are checked against).
    entry.onReply?.(reply);
    entry.resolve(reply);
  }

  // The app sees every seq of a room once, in order: what recovery or an earlier push delivered is dropped.
  #advance(room, msg) {
    const pos = this.#rooms.get(room);
    if (!pos || !Number.isInteger(msg?.seq)) return true;
    if (msg.seq <= pos.lastSeq) return false;
    pos.lastSeq = msg.seq;
    return true;
  }

  // `prev` is the position the join asked to recover from (undefined for a plain join).
  #applyJoined(joined, prev) {
    const room = joined.room.id;
    const pos = { epoch: joined.epoch, lastSeq: prev?.lastSeq ?? joined.last_seq };
    this.#rooms.set(room, pos);
    if (joined.recovered === false) {
      // The missed messages are not complete (too many, or the room's history was reset: new epoch).
      // The app reloads with history() or uses `messages` (the latest ones); live messages continue after them.
      pos.lastSeq = joined.last_seq;
      const reason = prev?.epoch && prev.epoch !== joined.epoch ? 'epoch_changed' : 'too_many_missed';
      this.#emit('gap', { room, reason, since: prev?.lastSeq, messages: joined.missed, joined });
      return;
    }
    for (const msg of joined.missed ?? []) {
      if (this.#advance(room, msg)) this.#emit('message', { type: 'message', room, msg });
    }
    pos.lastSeq = Math.max(pos.lastSeq, joined.last_seq);
  }

  // --- requests ---

  /**
   * Sends any request frame with a fresh `id` (replacing one it has) and resolves with the reply whose `re`
   * matches; rejects with a RealtimeError (the server's code, or 'timeout' / 'disconnected').
   */
  request(frame, { timeoutMs } = {}) {
    return this.#notConnected(frame) ?? this.#request(frame, { timeoutMs });
  }

  // Requests other than send need a session: without one, the rejection to return (else null).
  #notConnected(frame) {
    if (this.#state === 'connected' || this.#state === 'syncing') return null;
    return Promise.reject(new RealtimeError('disconnected', `not connected (state ${this.#state})`, { request: frame }));
  }

  #request(frame, { timeoutMs, onReply } = {}) {
    return new Promise((resolve, reject) => this.#transmit({ frame, resolve, reject, onReply, resend: false }, timeoutMs));
  }

  #transmit(entry, timeoutMs = this.#requestTimeoutMs) {
    const id = `r${++this.#nextId}`;
    entry.timer = setTimeout(() => {
      this.#pending.delete(id);
      entry.reject(new RealtimeError('timeout', `no reply to ${entry.frame.type} within ${timeoutMs} ms`, { request: entry.frame }));
    }, timeoutMs);
    this.#pending.set(id, entry);
    this.#ws.send(JSON.stringify({ ...entry.frame, id }));
  }

  /**
   * Sends a message; resolves with the `ack` ({msg_id, seq, ts, status}). While disconnected the send waits in
   * order and goes out after the reconnect (rooms rejoined first) with the same client_msg_id; a send that was
   * on the wire when the connection dropped is resent the same way. The server never stores it twice.
   */
  send(room, text, { replyTo, clientMsgId = newClientMsgId() } = {}) {
    const frame = { type: 'send', room, text, client_msg_id: clientMsgId, reply_to: replyTo };
    return new Promise((resolve, reject) => {
      const entry = { frame, resolve, reject, resend: true };
      if (this.#state === 'connected') this.#transmit(entry);
      else if (this.#state === 'closed') reject(new RealtimeError('disconnected', 'not connected: call connect() first', { request: frame }));
      else this.#queue.push(entry);
    });
  }

  /** Joins a room; resolves with `joined`. Pass `since`/`epoch` (from position()) to receive what was missed. */
  join(room, { since, epoch } = {}) {
    const frame = { type: 'join', room, since, epoch };
    const prev = since === undefined ? this.#rooms.get(room) : { lastSeq: since, epoch };
    return this.#notConnected(frame) ?? this.#request(frame, { onReply: (joined) => this.#applyJoined(joined, prev) });
  }

  async leave(room) {
    await this.request({ type: 'leave', room });
    this.#rooms.delete(room);
  }

  async edit(room, msgId, text) {
    await this.request({ type: 'edit', room, msg_id: msgId, text });
  }

  async delete(room, msgId) {
    await this.request({ type: 'delete', room, msg_id: msgId });
  }

  async react(room, msgId, emoji, on = true) {
    await this.request({ type: 'react', room, msg_id: msgId, emoji, on });
  }

  /** Marks the room read up to `seq` (default: the last message the app has seen). */
  async read(room, seq = this.#rooms.get(room)?.lastSeq ?? 0) {
    await this.request({ type: 'read', room, seq });
  }

  async typing(room, on = true) {
    await this.request({ type: 'typing', room, on });
  }

  /** 'online' | 'away'; 'away' is set again after a reconnect. */
  async setPresence(status) {
    await this.request({ type: 'presence.set', status });
    this.#away = status === 'away';
  }

  /** Resolves with the `history` reply: {messages (ascending seq), has_more}. */
  history(room, { before, limit } = {}) {
    return this.request({ type: 'history', room, before, limit });
  }

  /** Creates a group room; resolves with the room object. */
  async createRoom(room, { title, visibility, members } = {}) {
    return (await this.request({ type: 'room.create', room, title, visibility, members })).room;
  }

  /** Opens (creating on first use) the direct room with `user`; resolves with the room object. */
  async openDirect(user) {
    return (await this.request({ type: 'direct.open', user })).room;
  }

  /** Resolves with the current top 10; changes arrive as 'leaderboard' events (renewed after a reconnect). */
  async subscribeLeaderboard({ period = 'week', room } = {}) {
    const frame = { type: 'subscribe', topic: 'leaderboard', period, room };
    const board = await this.request(frame);
    this.#subscriptions.set(`leaderboard:${period}:${room ?? ''}`, frame);
    return board;
  }

  async unsubscribeLeaderboard({ period = 'week', room } = {}) {
    await this.request({ type: 'unsubscribe', topic: 'leaderboard', period, room });
    this.#subscriptions.delete(`leaderboard:${period}:${room ?? ''}`);
  }

  /** Moderator bots: held messages arrive as 'moderation.review' events (renewed after a reconnect). */
  async subscribeModeration() {
    const frame = { type: 'subscribe', topic: 'moderation' };
    await this.request(frame);
    this.#subscriptions.set('moderation', frame);
  }

  /** action: 'approve' | 'reject' | 'delete' | 'mute' (with durationMs). */
  async moderate(room, msgId, action, { durationMs, reason } = {}) {
    await this.request({ type: 'moderate', room, msg_id: msgId, action, duration_ms: durationMs, reason });
  }
}
