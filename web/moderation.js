// The moderator queue, for tokens whose `scope` contains "moderation": held messages of the org arrive as
// `moderation.review` pushes (all waiting ones again after each (re)subscribe); each is approved or rejected
// once, and leaves the queue when decided here, decided elsewhere (not_found) or delivered.
import { $, bidi, el, timeElement } from './util.js';

export class ModerationQueue {
  constructor({ client, names, announce, showError, titleOf }) {
    Object.assign(this, { client, names, announce, showError, titleOf });
    this.items = new Map(); // msg id -> {room, msg, reasons, scores}
    client.on('moderation.review', (review) => this.#add(review));
    // Approved elsewhere: the message is delivered (seen when this moderator has joined its room).
    client.on('message', ({ msg }) => this.#remove(msg.id));
    // After a reconnect the renewed subscription lists every message still waiting: items it doesn't list again
    // were decided while this moderator was away.
    client.on('disconnected', () => {
      for (const review of this.items.values()) review.stale = true;
    });
    client.on('connected', () => {
      clearTimeout(this.sweep);
      this.sweep = setTimeout(() => {
        for (const [id, review] of this.items) if (review.stale) this.#remove(id);
      }, 3000);
    });
    $('moderation-queue').addEventListener('click', (event) => this.#onClick(event));
  }

  async start() {
    $('moderation').hidden = false;
    this.#renderEmpty();
    try {
      await this.client.subscribeModeration();
    } catch (err) {
      this.showError(err, 'subscribing to the moderation queue');
    }
  }

  #add(review) {
    const id = review.msg?.id;
    if (!id) return;
    if (this.items.has(id)) {
      this.items.get(id).stale = false;
      return;
    }
    this.items.set(id, review);
    if (review.msg.from?.name) this.names.set(review.msg.from.id, review.msg.from.name);
    $('moderation-queue').append(this.#item(review));
    this.#renderEmpty();
    this.announce(`A message from ${review.msg.from?.name || review.msg.from?.id} is waiting for review`);
  }

  #item({ room, msg, reasons = [], scores = {} }) {
    const author = msg.from?.name || msg.from?.id || 'unknown';
    const reasonId = `mod-reason-${msg.id}`;
    const headingId = `mod-item-${msg.id}`;
    const score = Number.isFinite(scores.toxicity) ? ` · toxicity ${Math.round(scores.toxicity * 100)}%` : '';
    return el(
      'li',
      { class: 'mod-item', dataset: { msgId: msg.id, room }, 'aria-labelledby': headingId },
      el('p', { class: 'mod-meta', id: headingId }, bidi(author), ' in ', bidi(this.titleOf(room)), ' · ', timeElement(msg.ts)),
      el('p', { class: 'msg-text mod-text', dir: 'auto' }, msg.text ?? ''),
      el(
        'p',
        { class: 'mod-reasons' },
        'Reasons: ',
        reasons.length ? reasons.map((r) => el('span', { class: 'tag' }, r)) : 'none given',
        score,
      ),
      el(
        'div',
        { class: 'mod-actions' },
        el('label', { for: reasonId }, 'Reason (optional, for reject)'),
        el('input', { id: reasonId, class: 'mod-reason', maxlength: 500, autocomplete: 'off' }),
        el(
          'div',
          { class: 'button-row' },
          el('button', { type: 'button', class: 'button-primary', dataset: { action: 'approve' } }, 'Approve'),
          el('button', { type: 'button', class: 'button-danger', dataset: { action: 'reject' } }, 'Reject'),
        ),
      ),
    );
  }

  async #onClick(event) {
    const button = event.target.closest('button[data-action]');
    const item = button?.closest('li[data-msg-id]');
    if (!item) return;
    const { msgId, room } = item.dataset;
    const action = button.dataset.action;
    const reason = item.querySelector('.mod-reason').value.trim() || undefined;
    for (const b of item.querySelectorAll('button')) b.disabled = true;
    try {
      await this.client.moderate(room, msgId, action, action === 'reject' ? { reason } : {});
      this.announce(action === 'approve' ? 'Message approved' : 'Message rejected');
      this.#remove(msgId, true);
    } catch (err) {
      if (err?.code === 'not_found') {
        this.announce('That message was already decided');
        this.#remove(msgId, true);
        return;
      }
      for (const b of item.querySelectorAll('button')) b.disabled = false;
      this.showError(err, `${action === 'approve' ? 'approving' : 'rejecting'} a message`);
    }
  }

  #remove(msgId, moveFocus = false) {
    if (!this.items.delete(msgId)) return;
    const item = $('moderation-queue').querySelector(`li[data-msg-id="${CSS.escape(msgId)}"]`);
    const next = item?.nextElementSibling ?? item?.previousElementSibling;
    item?.remove();
    this.#renderEmpty();
    // Keyboard users continue with the next item instead of losing focus to the page.
    if (moveFocus) (next?.querySelector('button') ?? $('moderation-heading')).focus?.();
  }

  #renderEmpty() {
    $('moderation-empty').hidden = this.items.size > 0;
    $('moderation-count').textContent = String(this.items.size);
  }
}
