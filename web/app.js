// The realtime-server web app: sign-in, rooms, chat, leaderboard and streak, moderator queue.
// Plain ES modules on the JavaScript client (./realtime-client.js); served at /app under a strict CSP
// (no inline script or style), so all behaviour is wired here with addEventListener.
import { RealtimeClient, RealtimeError } from './realtime-client.js';
import { Chat } from './chat.js';
import { ModerationQueue } from './moderation.js';
import { $, bidi, el, ID_PATTERN, jwtPayload, sessionStore, store } from './util.js';

const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const DEV_TOKEN_URL = '/app/dev-token';
const SIGNIN_KEY = 'rts.signin';
const MOBILE = window.matchMedia('(max-width: 600px)');

/**
 * Debugging and test handle: the client, the chat state, the current WebSocket, and a switch that keeps the app
 * offline (the next reconnect waits in getToken) to exercise recovery: rtsApp.goOffline() closes the socket,
 * rtsApp.goOnline() lets the reconnect proceed.
 */
const app = {
  client: null,
  chat: null,
  moderation: null,
  me: null,
  socket: null,
  names: new Map(),
  rooms: [], // [{id, title, kind, peer, unavailable}]
  offline: null, // {promise, release} while held offline
  goOffline() {
    if (!app.offline) {
      let release;
      const promise = new Promise((resolve) => (release = resolve));
      app.offline = { promise, release };
    }
    app.socket?.close();
  },
  goOnline() {
    const held = app.offline;
    app.offline = null;
    held?.release();
  },
};
window.rtsApp = app;

// The client takes a WebSocket constructor: this one remembers the current socket for rtsApp.socket.
class TrackedWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    app.socket = this;
  }
}

// --- announcements and errors ---

function announce(text) {
  const region = $('announcer');
  region.textContent = '';
  // A fresh text node after a tick, so repeating the same words is announced again.
  setTimeout(() => (region.textContent = text), 50);
}

function showError(err, context) {
  const code = err instanceof RealtimeError || err?.code ? err.code : 'error';
  const message = err?.message ?? String(err);
  const line = el('p', { class: 'error-line' }, el('span', {}, el('strong', {}, code), `: ${message}${context ? ` (while ${context})` : ''}`));
  const close = el('button', { type: 'button', class: 'button-quiet', 'aria-label': 'Dismiss error' }, '×');
  close.addEventListener('click', () => line.remove());
  line.append(close);
  const region = $('errors');
  region.append(line);
  while (region.children.length > 3) region.firstElementChild.remove();
  setTimeout(() => line.remove(), 15000);
}

function setConnection(state, text) {
  const line = $('connection');
  line.dataset.state = state;
  line.textContent = text;
}

// --- sign-in ---

async function devTokenAvailable() {
  try {
    const res = await fetch(`${DEV_TOKEN_URL}?sub=probe&org=probe&role=guest`, { cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

async function fetchDevToken(params) {
  const res = await fetch(`${DEV_TOKEN_URL}?${new URLSearchParams(params)}`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`dev token: HTTP ${res.status} ${(await res.text()).trim()}`);
  return (await res.text()).trim();
}

function showSignIn(message) {
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message ?? '';
  setConnection('closed', 'Not signed in');
  const dev = store.get('rts.dev', null);
  if (dev) {
    for (const key of ['sub', 'name', 'org', 'role']) if (dev[key]) $(`dev-${key}`).value = dev[key];
    $('dev-moderation').checked = !!dev.moderation;
  }
  devTokenAvailable().then((ok) => ($('dev-signin').hidden = !ok));
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token-input').value.trim();
  if (!jwtPayload(token)?.sub) {
    $('signin-error').textContent = 'That does not look like a token (a JWT has three parts separated by dots).';
    $('token-input').focus();
    return;
  }
  signIn({ kind: 'token', token });
});

$('dev-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const dev = {
    sub: $('dev-sub').value.trim(),
    name: $('dev-name').value.trim(),
    org: $('dev-org').value.trim(),
    role: $('dev-role').value,
    moderation: $('dev-moderation').checked,
  };
  if (!ID_PATTERN.test(dev.sub) || !ID_PATTERN.test(dev.org)) {
    $('signin-error').textContent = 'User id and organisation: letters, digits and . _ : @ - only.';
    return;
  }
  store.set('rts.dev', dev);
  signIn({ kind: 'dev', dev });
});

$('sign-out').addEventListener('click', () => {
  sessionStore.set(SIGNIN_KEY, null);
  app.client?.close();
  location.reload();
});

async function signIn(cred) {
  $('signin-error').textContent = '';
  setConnection('connecting', 'Connecting…');
  let lastToken = cred.token ?? null;
  const params = cred.dev && { sub: cred.dev.sub, org: cred.dev.org, role: cred.dev.role };
  if (cred.dev?.name) params.name = cred.dev.name;
  if (cred.dev?.moderation) params.scope = 'moderation';
  // Dev sign-in fetches a fresh token for every connection and refresh; a pasted token is used as is.
  const getToken = async () => {
    if (app.offline) await app.offline.promise;
    lastToken = cred.kind === 'dev' ? await fetchDevToken(params) : cred.token;
    return lastToken;
  };
  const client = new RealtimeClient({ url: WS_URL, getToken, WebSocket: TrackedWebSocket });
  app.client = client;
  let hello;
  try {
    hello = await client.connect();
  } catch (err) {
    client.close();
    app.client = null;
    sessionStore.set(SIGNIN_KEY, null);
    showSignIn(`Sign-in failed: ${err.code ?? 'error'}: ${err.message}`);
    return;
  }
  sessionStore.set(SIGNIN_KEY, cred);
  start(client, hello, jwtPayload(lastToken) ?? {});
}

// --- the signed-in app ---

function start(client, hello, claims) {
  const me = hello.user;
  app.me = me;
  app.names.set(me.id, me.name || me.id);
  $('signin').hidden = true;
  $('app').hidden = false;
  $('whoami').hidden = false;
  $('whoami').replaceChildren(bidi(me.name || me.id), el('span', { class: 'role' }, me.role), el('span', { class: 'visually-hidden' }, ` in ${me.org}`));
  $('whoami').title = `${me.id} · ${me.role} · ${me.org}`;
  $('sign-out').hidden = false;
  $('create-details').hidden = !(me.role === 'mentor' || me.role === 'admin');
  $('direct-details').hidden = me.role === 'guest';
  setConnection('connected', 'Connected');

  client.on('connected', () => {
    setConnection('connected', 'Connected');
    $('reconnect').hidden = true;
  });
  client.on('disconnected', ({ code, willReconnect }) => {
    if (willReconnect) return setConnection('reconnecting', 'Connection lost: reconnecting…');
    // The client gave up: banned (4003), or the token was refused twice (a pasted token that expired).
    const why = code === 4003 ? 'Disconnected: you are banned in this organisation' : code === 4001 || code === 4010 ? 'Signed out: the token expired or was refused' : 'Disconnected';
    setConnection('closed', why);
    $('reconnect').hidden = code === 4003;
  });
  $('reconnect').addEventListener('click', () => {
    setConnection('connecting', 'Connecting…');
    client.connect().catch((err) => {
      setConnection('closed', 'Disconnected');
      showError(err, 'reconnecting');
    });
  });
  client.on('reconnecting', ({ delayMs, attempt }) =>
    setConnection('reconnecting', `Reconnecting${attempt > 1 ? ` (attempt ${attempt})` : ''} in ${Math.max(1, Math.round(delayMs / 1000))} s…`),
  );
  client.on('error', (err) => showError(err));
  window.addEventListener('online', () => client.state === 'reconnecting' && client.connect().catch(() => {}));

  const roomsKey = `rts.rooms.${me.org}.${me.id}`;
  const selectedKey = `rts.selected.${me.org}.${me.id}`;
  app.rooms = store.get(roomsKey, []).filter((r) => r && typeof r.id === 'string');
  const saveRooms = () => store.set(roomsKey, app.rooms.map(({ id, title, kind, peer }) => ({ id, title, kind, peer })));

  const titleOf = (roomId, room) => {
    const entry = app.rooms.find((r) => r.id === roomId);
    const kind = room?.kind ?? entry?.kind;
    if (kind === 'direct') {
      const peer = entry?.peer ?? room?.members?.find((m) => m !== me.id) ?? roomId;
      return `Direct: ${app.names.get(peer) || peer}`;
    }
    return room?.title || entry?.title || roomId;
  };

  const chat = new Chat({ client, me, names: app.names, announce, showError, onUnreadChange: renderRooms, titleOf });
  app.chat = chat;

  function remember(room) {
    const peer = room.kind === 'direct' ? room.members?.find((m) => m !== me.id) : undefined;
    const entry = { id: room.id, title: room.title, kind: room.kind, peer };
    const i = app.rooms.findIndex((r) => r.id === room.id);
    if (i >= 0) app.rooms[i] = entry;
    else app.rooms.push(entry);
    saveRooms();
    renderRooms();
  }

  function forget(roomId) {
    app.rooms = app.rooms.filter((r) => r.id !== roomId);
    saveRooms();
    chat.drop(roomId);
    renderRooms();
  }

  function renderRooms() {
    let unreadTotal = 0;
    $('room-list').replaceChildren(
      ...app.rooms.map((r) => {
        const st = chat.rooms.get(r.id);
        const unread = st?.unread ?? 0;
        unreadTotal += unread;
        const current = chat.selected === r.id;
        return el(
          'li',
          {},
          el(
            'button',
            { type: 'button', class: `room-button${r.unavailable ? ' unavailable' : ''}`, dataset: { room: r.id }, 'aria-current': current ? 'true' : false },
            el('span', { class: 'room-kind', 'aria-hidden': 'true' }, r.kind === 'direct' ? '@' : '#'),
            el('span', { class: 'room-name', dir: 'auto' }, titleOf(r.id, st?.room)),
            r.unavailable ? el('span', { class: 'help' }, ' (unavailable)') : null,
            unread ? el('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)) : null,
          ),
        );
      }),
    );
    $('room-list-empty').hidden = app.rooms.length > 0;
    $('rooms-toggle-unread').hidden = !unreadTotal;
    $('rooms-toggle-unread').textContent = unreadTotal ? `${unreadTotal} unread` : '';
  }

  function setRoomsOpen(open) {
    $('app').classList.toggle('rooms-open', open);
    $('rooms-toggle').setAttribute('aria-expanded', String(open));
  }

  async function open(roomId) {
    store.set(selectedKey, roomId);
    await chat.select(roomId);
    renderRooms();
    if (MOBILE.matches) setRoomsOpen(false);
  }

  async function joinAndOpen(roomId, room) {
    const joined = await chat.join(roomId);
    remember(room ?? joined.room);
    await open(roomId);
    $('composer-text').focus();
  }

  $('rooms-toggle').addEventListener('click', () => setRoomsOpen(!$('app').classList.contains('rooms-open')));
  $('room-list').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-room]');
    if (!button) return;
    const roomId = button.dataset.room;
    const entry = app.rooms.find((r) => r.id === roomId);
    if (entry?.unavailable || !chat.rooms.get(roomId)?.joined) {
      try {
        await chat.join(roomId);
        entry && delete entry.unavailable;
      } catch (err) {
        showError(err, `joining ${roomId}`);
      }
    }
    await open(roomId);
  });

  const formAction = (formId, context, action) =>
    $(formId).addEventListener('submit', async (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        await action();
        form.reset();
        form.closest('details')?.removeAttribute('open');
      } catch (err) {
        showError(err, context);
      } finally {
        button.disabled = false;
      }
    });

  formAction('create-form', 'creating the room', async () => {
    const id = $('create-id').value.trim();
    const members = $('create-members').value.split(/[\s,]+/).filter(Boolean);
    const room = await client.createRoom(id, {
      title: $('create-title').value.trim() || undefined,
      visibility: $('create-visibility').value,
      members: members.length ? members : undefined,
    });
    await joinAndOpen(room.id, room);
  });
  formAction('join-form', 'joining the room', async () => joinAndOpen($('join-id').value.trim()));
  formAction('direct-form', 'opening the direct chat', async () => {
    const room = await client.openDirect($('direct-user').value.trim());
    await joinAndOpen(room.id, room);
  });

  $('leave-room').addEventListener('click', async () => {
    const roomId = chat.selected;
    if (!roomId) return;
    try {
      await client.leave(roomId);
    } catch (err) {
      if (err?.code !== 'bad_request' && err?.code !== 'not_found') return showError(err, 'leaving the room');
    }
    announce(`Left ${titleOf(roomId, chat.rooms.get(roomId)?.room)}`);
    forget(roomId);
    store.set(selectedKey, null);
    if (MOBILE.matches) setRoomsOpen(true);
  });

  client.on('kicked', ({ room, by }) => {
    showError(new RealtimeError('forbidden', `You were removed from ${titleOf(room, chat.rooms.get(room)?.room)} by ${app.names.get(by) || by}`));
    forget(room);
  });

  // Gamification: live top 10 of the week, streak badge, achievement toasts.
  const renderBoard = ({ entries = [] }) => {
    for (const e of entries) if (e.name) app.names.set(e.user, e.name);
    $('leaderboard').replaceChildren(
      ...entries.map((e) =>
        el(
          'li',
          { class: `board-entry${e.user === me.id ? ' me' : ''}`, dataset: { user: e.user, points: e.points } },
          el('span', { class: 'rank' }, `${e.rank}.`),
          el('span', { class: 'board-name' }, bidi(e.name || e.user), e.user === me.id ? ' (you)' : ''),
          el('span', { class: 'points' }, `${e.points} pt${e.points === 1 ? '' : 's'}`),
        ),
      ),
    );
    $('leaderboard-empty').hidden = entries.length > 0;
  };
  client.on('leaderboard', (board) => board.period === 'week' && !board.room && renderBoard(board));
  client.on('streak', ({ days, best }) => {
    const badge = $('streak');
    badge.hidden = false;
    badge.replaceChildren(el('span', { 'aria-hidden': 'true' }, '🔥 '), `${days}-day streak`, el('span', { class: 'best' }, ` · best ${best}`));
    badge.title = `Streak: ${days} day${days === 1 ? '' : 's'} in a row (best ${best})`;
  });
  client.on('achievement', ({ name }) => {
    const label = String(name).replace(/[_.-]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
    const toast = el('p', { class: 'toast' }, el('span', { 'aria-hidden': 'true' }, '🏆 '), 'Achievement unlocked: ', el('strong', {}, label));
    $('toasts').append(toast);
    setTimeout(() => toast.remove(), 8000);
  });
  if (me.role !== 'guest') client.subscribeLeaderboard({ period: 'week' }).then(renderBoard, (err) => showError(err, 'subscribing to the leaderboard'));

  const scope = Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? '').split(/\s+/);
  if (scope.includes('moderation')) {
    app.moderation = new ModerationQueue({ client, names: app.names, announce, showError, titleOf: (roomId) => titleOf(roomId, chat.rooms.get(roomId)?.room) });
    app.moderation.start();
  }

  // Rejoin the remembered rooms, then open the last one.
  renderRooms();
  Promise.all(
    app.rooms.map((r) =>
      chat.join(r.id).then(
        (joined) => remember(joined.room),
        (err) => {
          r.unavailable = true;
          showError(err, `joining ${r.id}`);
        },
      ),
    ),
  ).then(() => {
    renderRooms();
    const last = store.get(selectedKey, null);
    const initial = app.rooms.find((r) => r.id === last && !r.unavailable) ?? app.rooms.find((r) => !r.unavailable);
    if (initial) open(initial.id);
    else if (MOBILE.matches) setRoomsOpen(true);
  });
}

// --- boot ---

const saved = sessionStore.get(SIGNIN_KEY);
if (saved && (saved.kind === 'token' || saved.kind === 'dev')) signIn(saved);
else showSignIn();
