// Rendering of the chat view's parts: message items (with reactions), own messages on their way, read
// receipts, presence and the typing line. `ctx` is {me, names, mine}: the signed-in user, user id -> display
// name, and the set of this user's reactions ("<msg id>\n<emoji>").
import { $, bidi, el, timeElement } from './util.js';

/** Reaction buttons offered on every message; `helpful` (points for the author) only to mentors and admins. */
export const REACTIONS = [
  { emoji: '👍', label: 'Thumbs up' },
  { emoji: '❤️', label: 'Heart' },
  { emoji: '🎉', label: 'Celebrate' },
  { emoji: '💡', label: 'Insightful' },
];
const HELPFUL = 'helpful';
const PII_LABELS = { 'pii.email': 'an e-mail address', 'pii.phone': 'a phone number', 'pii.card': 'a card number', 'pii.il_id': 'an ID number' };
const STATUS_ORDER = { online: 0, away: 1, offline: 2 };

/** One delivered message: author, role, time, text (dir="auto"), masked note, edited/deleted state, reactions. */
export function messageItem(ctx, msg) {
  const mine = msg.from?.id === ctx.me.id;
  const name = msg.from?.name || ctx.names.get(msg.from?.id) || msg.from?.id || 'unknown';
  const head = el(
    'p',
    { class: 'msg-head' },
    el('span', { class: 'msg-author' }, bidi(mine ? `${name} (you)` : name)),
    msg.from?.role && msg.from.role !== 'student' ? el('span', { class: `role role-${msg.from.role}` }, msg.from.role) : null,
    timeElement(msg.ts),
    msg.edited_at && !msg.deleted ? el('span', { class: 'edited', title: new Date(msg.edited_at).toLocaleString() }, '(edited)') : null,
  );
  const body = msg.deleted
    ? el('p', { class: 'msg-text deleted' }, 'This message was deleted.')
    : el('p', { class: 'msg-text', dir: 'auto' }, msg.text ?? '');
  const masked =
    msg.moderation?.action === 'masked'
      ? el('p', { class: 'msg-note' }, `Hidden by the moderator: ${msg.moderation.reasons.map((r) => PII_LABELS[r] ?? r).join(', ')}.`)
      : null;
  return el(
    'li',
    { class: `msg${mine ? ' mine' : ''}`, id: `msg-${msg.id}`, dataset: { msgId: msg.id, seq: msg.seq, from: msg.from?.id ?? '' } },
    head,
    body,
    masked,
    msg.deleted ? null : reactionBar(ctx, msg),
  );
}

function reactionBar(ctx, msg) {
  const counts = msg.reactions ?? {};
  const canReact = ctx.me.role !== 'guest';
  const mayHelp = canReact && (ctx.me.role === 'mentor' || ctx.me.role === 'admin') && msg.from?.id !== ctx.me.id;
  const offered = REACTIONS.map((r) => r.emoji);
  const buttons = [];
  const button = (emoji, label, shown) => {
    const count = counts[emoji] ?? 0;
    const pressed = ctx.mine.has(`${msg.id}\n${emoji}`);
    return el(
      'button',
      {
        type: 'button',
        class: `reaction${count ? ' has-count' : ''}`,
        dataset: { emoji },
        'aria-pressed': String(pressed),
        'aria-label': `${label}${count ? `, ${count}` : ''}`,
        title: label,
      },
      shown,
      count ? el('span', { class: 'count' }, String(count)) : null,
    );
  };
  if (canReact) for (const r of REACTIONS) buttons.push(button(r.emoji, r.label, r.emoji));
  // Reactions other users chose outside the offered set.
  for (const [emoji, count] of Object.entries(counts)) {
    if (!count || offered.includes(emoji) || emoji === HELPFUL) continue;
    buttons.push(canReact ? button(emoji, emoji, emoji) : el('span', { class: 'reaction has-count' }, emoji, el('span', { class: 'count' }, String(count))));
  }
  if (mayHelp) buttons.push(button(HELPFUL, 'Helpful', '✔ Helpful'));
  else if (counts[HELPFUL]) buttons.push(el('span', { class: 'reaction helpful-static has-count', title: 'Marked helpful by a mentor' }, '✔ Helpful', el('span', { class: 'count' }, String(counts[HELPFUL]))));
  if (!buttons.length) return null;
  return el('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' }, buttons);
}

export function pendingItem(ctx, cmid, p) {
  const status = p.failed ? 'failed' : p.status ?? 'sending';
  const note = p.note ?? (status === 'held' ? 'Waiting for a moderator to review this message.' : 'Sending…');
  return el(
    'li',
    { class: `msg mine pending ${status}`, dataset: { pending: cmid } },
    el('p', { class: 'msg-head' }, el('span', { class: 'msg-author' }, bidi(`${ctx.me.name || ctx.me.id} (you)`))),
    el('p', { class: 'msg-text', dir: 'auto' }, p.text),
    el('p', { class: 'msg-note' }, note),
    p.failed ? el('button', { type: 'button', class: 'button-quiet', dataset: { dismiss: cmid } }, 'Dismiss') : null,
  );
}

/** "Seen by …" under the latest message each other reader has read. */
export function renderSeen(ctx, reads) {
  const list = $('messages');
  for (const node of list.querySelectorAll('.seen')) node.remove();
  const items = [...list.querySelectorAll('li[data-seq]')];
  const byItem = new Map();
  for (const [user, seq] of reads) {
    if (user === ctx.me.id || !seq) continue;
    let target = null;
    // Under the latest message they have read, not counting their own (reading what you wrote says nothing).
    for (const item of items) if (Number(item.dataset.seq) <= seq && item.dataset.from !== user) target = item;
    if (!target) continue;
    if (!byItem.has(target)) byItem.set(target, []);
    byItem.get(target).push(ctx.names.get(user) || user);
  }
  for (const [item, readers] of byItem) {
    const p = el('p', { class: 'seen' }, 'Seen by ');
    readers.forEach((name, i) => p.append(i ? ', ' : '', bidi(name)));
    item.append(p);
  }
}

/** The room's people: online first, status by shape and (for screen readers) in words. */
export function renderPresence(ctx, presence) {
  const entries = [...presence.values()].sort(
    (a, b) => (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) || (a.name || a.user).localeCompare(b.name || b.user),
  );
  $('presence').replaceChildren(
    ...entries.map((p) => {
      const name = ctx.names.get(p.user) || p.name || p.user;
      const you = p.user === ctx.me.id ? ' (you)' : '';
      return el(
        'li',
        { class: `presence-item status-${p.status}`, dataset: { user: p.user, status: p.status }, title: `${name}: ${p.status}` },
        el('span', { class: 'dot', 'aria-hidden': 'true' }),
        bidi(`${name}${you}`),
        el('span', { class: 'visually-hidden' }, `, ${p.status}`),
      );
    }),
  );
}

/** "Mia is typing…", "Mia and Sam are typing…". */
export function renderTyping(ctx, typing) {
  const names = [...typing.keys()].map((u) => ctx.names.get(u) || u);
  const line = $('typing');
  if (!names.length) return line.replaceChildren();
  if (names.length > 3) return line.replaceChildren('Several people are typing…');
  const parts = [];
  names.forEach((name, i) => parts.push(i ? (i === names.length - 1 ? ' and ' : ', ') : '', bidi(name)));
  line.replaceChildren(...parts, names.length === 1 ? ' is typing…' : ' are typing…');
}
