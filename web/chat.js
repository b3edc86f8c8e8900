// The chat view: per-room state (messages by seq, presence, read positions, typing, reactions, own
// messages on their way) fed by the client's events, and the DOM of the selected room.
import { $ } from './util.js';
import { messageItem, pendingItem, renderPresence, renderSeen, renderTyping } from './views.js';

const TYPING_REPEAT_MS = 3000; // the server drops repeats within 2 s and turns typing off 6 s after the last
const TYPING_IDLE_MS = 4000;
const HISTORY_PAGE = 50;

const newClientMsgId = () =>
  globalThis.crypto.randomUUID?.() ?? Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

class RoomState {
  constructor(id) {
    this.id = id;
    this.room = null; // the room object from room/joined
    this.joined = false;
    this.loaded = false; // first history page fetched
    this.bySeq = new Map(); // seq -> message
    this.hasMore = false;
    this.pending = new Map(); // client_msg_id -> {text, status, msgId, note, failed}
    this.presence = new Map(); // user -> {user, name, role, status, last_seen}
    this.reads = new Map(); // user -> highest read seq
    this.typing = new Map(); // user -> timer clearing it
    this.mine = new Set(); // `${msgId}\n${emoji}` reactions of this user
    this.unread = 0;
    this.readSent = 0;
  }

  get lastSeq() {
    let last = 0;
    for (const seq of this.bySeq.keys()) last = Math.max(last, seq);
    return last;
  }

  get firstSeq() {
    let first = Infinity;
    for (const seq of this.bySeq.keys()) first = Math.min(first, seq);
    return first === Infinity ? 0 : first;
  }

  byId(msgId) {
    for (const msg of this.bySeq.values()) if (msg.id === msgId) return msg;
    return null;
  }
}

export class Chat {
  /**
   * @param {object} o
   * @param {import('./realtime-client.js').RealtimeClient} o.client
   * @param {{id: string, name?: string, role: string}} o.me
   * @param {Map<string, string>} o.names  user id -> display name, shared by the app
   * @param {(text: string) => void} o.announce  polite screen-reader announcement
   * @param {(err: unknown, context?: string) => void} o.showError
   * @param {() => void} o.onUnreadChange
   */
  constructor({ client, me, names, announce, showError, onUnreadChange, titleOf }) {
    Object.assign(this, { client, me, names, announce, showError, onUnreadChange, titleOf });
    this.rooms = new Map();
    this.selected = null;
    this.typingOn = null; // {room, sentAt} while this user is marked typing
    this.typingIdle = null;
    this.readTimer = null;

    client.on('message', ({ room, msg }) => this.#onMessage(room, msg));
    client.on('message.edited', ({ room, msg_id, text, edited_at }) => this.#patch(room, msg_id, (m) => Object.assign(m, { text, edited_at })));
    client.on('message.deleted', ({ room, msg_id }) =>
      this.#patch(room, msg_id, (m) => {
        delete m.text;
        m.deleted = true;
      }),
    );
    client.on('reaction', (e) => this.#onReaction(e));
    client.on('read', ({ room, user, seq }) => this.#onRead(room, user, seq));
    client.on('typing', ({ room, user, on }) => this.#onTyping(room, user, on));
    client.on('presence', (e) => this.#onPresence(e));
    client.on('moderation', (e) => this.#onModeration(e));
    client.on('gap', (e) => this.#onGap(e));
    client.on('connected', () => this.#markRead());

    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    $('composer-text').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit();
      }
    });
    $('composer-text').addEventListener('input', () => this.#composing());
    $('load-older').addEventListener('click', () => this.loadOlder());
    $('messages').addEventListener('click', (event) => this.#onMessagesClick(event));
    document.addEventListener('visibilitychange', () => this.#markRead());
    window.addEventListener('focus', () => this.#markRead());
  }

  state(roomId) {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, new RoomState(roomId));
    return this.rooms.get(roomId);
  }

  /** Joins the room (once per page) and records its presence and read positions. */
  async join(roomId) {
    const st = this.state(roomId);
    const joined = await this.client.join(roomId);
    st.room = joined.room;
    st.joined = true;
    for (const entry of joined.presence ?? []) {
      if (entry.name) this.names.set(entry.user, entry.name);
      st.presence.set(entry.user, { ...entry });
      if (entry.read_seq) st.reads.set(entry.user, entry.read_seq);
    }
    if (this.selected === roomId) this.render();
    return joined;
  }

  /** Forgets a room (after leave or kick). */
  drop(roomId) {
    this.rooms.delete(roomId);
    if (this.selected === roomId) this.select(null);
  }

  /** Shows a room (null: none). Loads its first history page on first view. */
  async select(roomId) {
    if (this.selected && this.selected !== roomId) this.#stopTyping();
    this.selected = roomId;
    const st = roomId && this.state(roomId);
    if (st) {
      st.unread = 0;
      this.onUnreadChange();
    }
    this.render();
    if (st && !st.loaded && st.joined) {
      st.loaded = true;
      try {
        const page = await this.client.history(roomId, { limit: HISTORY_PAGE });
        for (const msg of page.messages) this.#store(st, msg);
        st.hasMore = page.has_more;
      } catch (err) {
        st.loaded = false;
        this.showError(err, 'loading history');
      }
      if (this.selected === roomId) this.render();
    }
    this.#markRead();
  }

  async loadOlder() {
    const st = this.selected && this.state(this.selected);
    if (!st) return;
    const scroller = $('messages-scroll');
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    try {
      const page = await this.client.history(st.id, { before: st.firstSeq || undefined, limit: HISTORY_PAGE });
      for (const msg of page.messages) this.#store(st, msg);
      st.hasMore = page.has_more;
      this.announce(`${page.messages.length} older messages loaded`);
    } catch (err) {
      this.showError(err, 'loading older messages');
    }
    if (this.selected !== st.id) return;
    this.render();
    scroller.scrollTop = scroller.scrollHeight - fromBottom; // keep the reader where they were
  }

  // --- rendering ---

  render() {
    const st = this.selected && this.rooms.get(this.selected);
    $('chat-placeholder').hidden = !!st;
    $('chat-body').hidden = !st;
    $('leave-room').hidden = !st;
    $('chat-title').textContent = st ? this.titleOf(st.id, st.room) : 'No room selected';
    if (!st) return;
    const readOnly = this.me.role === 'guest';
    $('composer-text').disabled = readOnly;
    $('composer-text').placeholder = readOnly ? 'Guests can read but not write' : 'Write a message';
    $('composer').querySelector('button').disabled = readOnly;
    $('load-older').hidden = !st.hasMore;

    const list = $('messages');
    const ctx = this.#ctx(st);
    const items = [...st.bySeq.keys()].sort((a, b) => a - b).map((seq) => messageItem(ctx, st.bySeq.get(seq)));
    for (const [cmid, p] of st.pending) items.push(pendingItem(ctx, cmid, p));
    const restoreFocus = this.#focusKeeper(list);
    list.replaceChildren(...items);
    restoreFocus();
    renderSeen(ctx, st.reads);
    renderPresence(ctx, st.presence);
    renderTyping(ctx, st.typing);
    this.#scrollToEnd(true);
  }

  #ctx(st) {
    return { me: this.me, names: this.names, mine: st?.mine ?? new Set() };
  }

  // Re-rendering replaces the buttons: a keyboard user's focus moves to the same button in the new markup.
  #focusKeeper(container) {
    const active = document.activeElement;
    if (!active || active === document.body || !container.contains(active)) return () => {};
    const msgId = active.closest('li')?.dataset.msgId;
    const { emoji, dismiss } = active.dataset;
    return () => {
      const list = $('messages');
      const item = msgId && list.querySelector(`li[data-msg-id="${CSS.escape(msgId)}"]`);
      const target =
        (item && emoji && item.querySelector(`button[data-emoji="${CSS.escape(emoji)}"]`)) ||
        (dismiss && list.querySelector(`button[data-dismiss="${CSS.escape(dismiss)}"]`)) ||
        $('composer-text');
      target.focus();
    };
  }

  #scrollToEnd(force = false) {
    const scroller = $('messages-scroll');
    const nearEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
    if (force || nearEnd) scroller.scrollTop = scroller.scrollHeight;
  }

  // --- incoming events ---

  #store(st, msg) {
    if (!Number.isInteger(msg.seq) || msg.seq <= 0) return;
    st.bySeq.set(msg.seq, msg);
    if (msg.from?.name) this.names.set(msg.from.id, msg.from.name);
  }

  #onMessage(roomId, msg) {
    const st = this.rooms.get(roomId);
    if (!st) return;
    const isNew = !st.bySeq.has(msg.seq);
    this.#store(st, msg);
    const fromMe = msg.from?.id === this.me.id;
    // An own message on its way (or held) is now delivered: it replaces the placeholder.
    for (const [cmid, p] of st.pending) if ((fromMe && msg.client_msg_id === cmid) || (p.msgId && p.msgId === msg.id)) st.pending.delete(cmid);
    if (!fromMe && msg.from?.id) {
      this.#clearTyping(st, msg.from.id);
      if (!st.presence.has(msg.from.id)) st.presence.set(msg.from.id, { user: msg.from.id, name: msg.from.name, role: msg.from.role, status: 'online' });
    }
    const visible = this.selected === roomId && document.visibilityState === 'visible';
    if (isNew && !fromMe) {
      if (!visible) {
        st.unread++;
        this.onUnreadChange();
      }
      this.#announceNew(st, msg.from?.name || msg.from?.id);
    }
    if (this.selected !== roomId) return;
    this.#upsertItem(st, msg);
    renderTyping(this.#ctx(st), st.typing);
    this.#scheduleRead();
  }

  // Inserts or replaces one message in the open room without re-rendering the list.
  #upsertItem(st, msg) {
    const list = $('messages');
    for (const node of list.querySelectorAll('li[data-pending]')) if (!st.pending.has(node.dataset.pending)) node.remove();
    const item = messageItem(this.#ctx(st), msg);
    const existing = list.querySelector(`li[data-seq="${msg.seq}"]`);
    if (existing) {
      const restoreFocus = this.#focusKeeper(existing);
      existing.replaceWith(item);
      restoreFocus();
    } else {
      const after = [...list.querySelectorAll('li[data-seq]')].find((node) => Number(node.dataset.seq) > msg.seq);
      list.insertBefore(item, after ?? list.querySelector('li[data-pending]'));
    }
    renderSeen(this.#ctx(st), st.reads);
    renderPresence(this.#ctx(st), st.presence);
    this.#scrollToEnd(msg.from?.id === this.me.id);
  }

  // One announcement per second at most: "New message from Mia", or "4 new messages in Algebra".
  #announceNew(st, who) {
    const pending = (this.newMessages ??= { count: 0, rooms: new Set(), who });
    pending.count++;
    pending.rooms.add(st.id);
    pending.who = who;
    if (this.announceTimer) return;
    this.announceTimer = setTimeout(() => {
      const { count, rooms } = this.newMessages;
      this.newMessages = null;
      this.announceTimer = null;
      const [only] = rooms;
      const where = rooms.size === 1 && only !== this.selected ? ` in ${this.titleOf(only, this.rooms.get(only)?.room)}` : '';
      this.announce(count === 1 ? `New message from ${pending.who}${where}` : `${count} new messages${rooms.size === 1 ? where : ''}`);
    }, 1000);
  }

  #patch(roomId, msgId, change) {
    const st = this.rooms.get(roomId);
    const msg = st?.byId(msgId);
    if (!msg) return;
    change(msg);
    if (this.selected === roomId) this.#upsertItem(st, msg);
  }

  #onReaction({ room, msg_id, emoji, user, on, count }) {
    const st = this.rooms.get(room);
    if (!st) return;
    if (user === this.me.id) {
      if (on) st.mine.add(`${msg_id}\n${emoji}`);
      else st.mine.delete(`${msg_id}\n${emoji}`);
    }
    this.#patch(room, msg_id, (m) => {
      m.reactions = { ...(m.reactions ?? {}), [emoji]: count };
      if (!count) delete m.reactions[emoji];
    });
  }

  #onRead(roomId, user, seq) {
    const st = this.rooms.get(roomId);
    if (!st) return;
    st.reads.set(user, Math.max(seq, st.reads.get(user) ?? 0));
    if (this.selected === roomId) renderSeen(this.#ctx(st), st.reads);
  }

  #onTyping(roomId, user, on) {
    const st = this.rooms.get(roomId);
    if (!st || user === this.me.id) return;
    this.#clearTyping(st, user);
    // The server turns typing off after 6 s; the timer only covers a lost "off".
    if (on) st.typing.set(user, setTimeout(() => this.#clearTyping(st, user, true), 8000));
    if (!st.presence.has(user)) st.presence.set(user, { user, status: 'online' });
    if (this.selected === roomId) renderTyping(this.#ctx(st), st.typing);
  }

  #clearTyping(st, user, render = false) {
    clearTimeout(st.typing.get(user));
    st.typing.delete(user);
    if (render && this.selected === st.id) renderTyping(this.#ctx(st), st.typing);
  }

  #onPresence({ room, user, status, last_seen }) {
    const st = this.rooms.get(room);
    if (!st) return;
    const entry = st.presence.get(user) ?? { user, name: this.names.get(user) };
    st.presence.set(user, { ...entry, status, last_seen });
    if (status === 'offline') this.#clearTyping(st, user);
    if (this.selected === room) {
      renderPresence(this.#ctx(st), st.presence);
      renderTyping(this.#ctx(st), st.typing);
    }
  }

  // The author's own held message was dropped by a moderator.
  #onModeration({ room, msg_id, action, reason }) {
    const st = this.rooms.get(room);
    const verb = { reject: 'rejected', delete: 'deleted', mute: 'removed (you are muted here)' }[action] ?? action;
    const note = `Not delivered: ${verb} by a moderator${reason ? ` (${reason === 'review_timeout' ? 'not reviewed in time' : reason})` : ''}.`;
    for (const p of st?.pending.values() ?? []) {
      if (p.msgId !== msg_id) continue;
      Object.assign(p, { failed: true, note });
    }
    this.announce(note);
    if (st && this.selected === room) this.render();
  }

  #onGap({ room, messages }) {
    const st = this.rooms.get(room);
    if (!st) return;
    st.bySeq.clear();
    for (const msg of messages) this.#store(st, msg);
    st.hasMore = messages.length > 0 && messages[0].seq > 1;
    st.loaded = true;
    if (this.selected === room) this.render();
  }

  // --- outgoing ---

  #onMessagesClick(event) {
    const button = event.target.closest('button');
    if (!button) return;
    const st = this.selected && this.rooms.get(this.selected);
    if (!st) return;
    if (button.dataset.dismiss) {
      st.pending.delete(button.dataset.dismiss);
      this.render();
      $('composer-text').focus();
      return;
    }
    const item = button.closest('li[data-msg-id]');
    const emoji = button.dataset.emoji;
    if (!item || !emoji) return;
    const msgId = item.dataset.msgId;
    const on = button.getAttribute('aria-pressed') !== 'true';
    this.client.react(st.id, msgId, emoji, on).catch((err) => this.showError(err, 'reacting'));
  }

  #submit() {
    const box = $('composer-text');
    const text = box.value.trim();
    const roomId = this.selected;
    if (!text || !roomId) return;
    const st = this.state(roomId);
    const cmid = newClientMsgId();
    const pending = { text };
    st.pending.set(cmid, pending);
    box.value = '';
    this.#stopTyping();
    $('messages').append(pendingItem(this.#ctx(), cmid, pending));
    this.#scrollToEnd(true);
    this.client.send(roomId, text, { clientMsgId: cmid }).then(
      (ack) => {
        if (!st.pending.has(cmid)) return; // the message push came first
        pending.msgId = ack.msg_id; // a delivered message's push follows and replaces the placeholder
        pending.status = ack.status === 'held' ? 'held' : 'sent';
        if (ack.status !== 'held' && st.bySeq.has(ack.seq)) st.pending.delete(cmid);
        if (ack.status === 'held') this.announce('Your message is waiting for a moderator to review it.');
        if (this.selected === roomId) this.render();
      },
      (err) => {
        const why = err?.code === 'message_blocked' ? `blocked by the moderator${err.reason ? ` (${err.reason})` : ''}` : `${err?.code ?? 'error'}: ${err?.message ?? err}`;
        Object.assign(pending, { failed: true, note: `Not sent: ${why}.` });
        // A blocked message is explained next to it; other failures also go to the error region.
        if (err?.code === 'message_blocked') this.announce(`Your message was not sent: ${why}.`);
        else this.showError(err, 'sending');
        if (this.selected === roomId) this.render();
      },
    );
  }

  // Typing on while the composer has text (repeated every 3 s so the server's 6 s timeout doesn't end it), off when
  // the text is sent or cleared or the user pauses.
  #composing() {
    const roomId = this.selected;
    if (!roomId || this.me.role === 'guest') return;
    const hasText = $('composer-text').value.trim().length > 0;
    if (!hasText) return this.#stopTyping();
    const now = Date.now();
    if (!this.typingOn || this.typingOn.room !== roomId || now - this.typingOn.sentAt > TYPING_REPEAT_MS) {
      if (this.typingOn && this.typingOn.room !== roomId) this.#stopTyping();
      this.typingOn = { room: roomId, sentAt: now };
      this.client.typing(roomId, true).catch(() => {});
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    clearTimeout(this.typingIdle);
    if (!this.typingOn) return;
    const { room } = this.typingOn;
    this.typingOn = null;
    if (this.rooms.get(room)?.joined) this.client.typing(room, false).catch(() => {});
  }

  #scheduleRead() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.#markRead(), 250);
  }

  // Read receipts: the latest seq of the open room, while the page is visible.
  #markRead() {
    const st = this.selected && this.rooms.get(this.selected);
    if (!st || document.visibilityState !== 'visible') return;
    if (st.unread) {
      st.unread = 0;
      this.onUnreadChange();
    }
    if (!st.joined || this.me.role === 'guest') return;
    const seq = st.lastSeq;
    if (!seq || seq <= st.readSent) return;
    st.readSent = seq;
    st.reads.set(this.me.id, seq);
    this.client.read(st.id, seq).catch(() => {
      st.readSent = 0; // retried on the next message or reconnect
    });
  }
}
