// Typed events: typing, read, reaction, edit, delete, presence, streak, achievement, leaderboard, moderation, kicked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextEvent, serverForFile, waitFor } from './server.js';

const fixture = serverForFile({ RTS_PRESENCE_GRACE_MS: '300' });

const client = (sub, opts) => fixture.client(sub, opts);

async function room(id, ...members) {
  await Promise.all(members.map((t) => t.client.connect()));
  await members[0].client.createRoom(id, { visibility: 'org' });
  for (const t of members) await t.client.join(id);
}

test('typing, read, reaction, edit and delete arrive as events', async () => {
  const a = client('ev-a', { role: 'mentor' });
  const b = client('ev-b');
  await room('ev', a, b);

  const typing = nextEvent(a.client, 'typing');
  await b.client.typing('ev', true);
  assert.deepEqual(await typing, { type: 'typing', room: 'ev', user: 'ev-b', on: true });

  const message = nextEvent(b.client, 'message');
  const ack = await a.client.send('ev', 'Is 3/4 > 2/3?');
  await message;

  const read = nextEvent(a.client, 'read');
  await b.client.read('ev'); // up to the last message B has seen
  assert.deepEqual(await read, { type: 'read', room: 'ev', user: 'ev-b', seq: ack.seq });

  const reaction = nextEvent(a.client, 'reaction');
  await b.client.react('ev', ack.msg_id, '👍');
  assert.deepEqual(await reaction, { type: 'reaction', room: 'ev', msg_id: ack.msg_id, emoji: '👍', user: 'ev-b', on: true, count: 1 });

  const edited = nextEvent(b.client, 'message.edited');
  await a.client.edit('ev', ack.msg_id, 'Is 3/4 > 2/3? (edited)');
  const edit = await edited;
  assert.equal(edit.msg_id, ack.msg_id);
  assert.equal(edit.text, 'Is 3/4 > 2/3? (edited)');
  assert.equal(edit.by, 'ev-a');
  assert.equal(typeof edit.edited_at, 'number');

  const deleted = nextEvent(b.client, 'message.deleted');
  await a.client.delete('ev', ack.msg_id);
  assert.deepEqual(await deleted, { type: 'message.deleted', room: 'ev', msg_id: ack.msg_id, by: 'ev-a' });
  const history = await b.client.history('ev');
  assert.equal(history.messages[0].deleted, true);
});

test('presence: offline after the grace period, online again, away (kept across a reconnect)', async () => {
  const a = client('pr-a', { role: 'mentor' });
  const c = client('pr-c');
  await room('presence', a, c);

  const offline = nextEvent(a.client, 'presence', (p) => p.user === 'pr-c' && p.status === 'offline');
  c.client.close();
  const gone = await offline;
  assert.equal(gone.room, 'presence');
  assert.equal(typeof gone.last_seen, 'number');

  const c2 = client('pr-c');
  const online = nextEvent(a.client, 'presence', (p) => p.user === 'pr-c' && p.status === 'online');
  await c2.client.connect();
  await online;
  await c2.client.join('presence');

  const away = nextEvent(a.client, 'presence', (p) => p.user === 'pr-c' && p.status === 'away');
  await c2.client.setPresence('away');
  await away;
  c2.cut();
  await waitFor(() => c2.of('connected').length === 2, 'the reconnect');
  assert.equal(c2.sent.filter((f) => f.type === 'presence.set' && f.status === 'away').length, 2);
  assert.equal(a.of('presence').filter((p) => p.user === 'pr-c' && p.status === 'online').length, 1, 'a quick reconnect is invisible');
});

test('streak, achievement and leaderboard events', async () => {
  const mentor = client('lb-mentor', { role: 'mentor' });
  const student = client('lb-student');
  await room('board', mentor, student);

  const board = await mentor.client.subscribeLeaderboard({ period: 'all', room: 'board' });
  assert.equal(board.type, 'leaderboard');
  assert.deepEqual(board.entries, []);

  const streak = nextEvent(student.client, 'streak');
  const achievement = nextEvent(student.client, 'achievement');
  const update = nextEvent(mentor.client, 'leaderboard', (lb) => lb.entries.some((e) => e.user === 'lb-student'), 4000);
  await student.client.send('board', 'my first message');
  assert.deepEqual(await streak, { type: 'streak', days: 1, best: 1 });
  assert.equal((await achievement).name, 'first_message');
  const pushed = await update;
  assert.equal(pushed.re, undefined);
  assert.deepEqual(pushed.entries[0], { rank: 1, user: 'lb-student', name: 'lb-student', points: 1 });
  await mentor.client.unsubscribeLeaderboard({ period: 'all', room: 'board' });
});

test('moderation: a bot reviews a held message and the author is told of the rejection', async () => {
  const bot = client('mod-bot', { role: 'mentor', scope: 'moderation' });
  const author = client('mod-author');
  await room('moderated', bot, author);
  await bot.client.subscribeModeration();

  const review = nextEvent(bot.client, 'moderation.review');
  const ack = await author.client.send('moderated', 'BUY NOW!!! http://a.com http://b.com http://c.com http://d.com');
  assert.equal(ack.status, 'held');
  assert.equal(ack.seq, 0);
  const held = await review;
  assert.equal(held.room, 'moderated');
  assert.equal(held.msg.id, ack.msg_id);
  assert.ok(held.reasons.length > 0);

  const decision = nextEvent(author.client, 'moderation');
  await bot.client.moderate('moderated', ack.msg_id, 'reject', { reason: 'spam' });
  assert.deepEqual(await decision, { type: 'moderation', room: 'moderated', msg_id: ack.msg_id, action: 'reject', reason: 'spam' });
  await assert.rejects(bot.client.moderate('moderated', ack.msg_id, 'approve'), { code: 'not_found' });
});

test('kicked: the room is no longer rejoined', async () => {
  const mentor = client('kick-mentor', { role: 'mentor' });
  const student = client('kick-student');
  await room('kick', mentor, student);
  const kicked = nextEvent(student.client, 'kicked');
  await mentor.client.request({ type: 'kick', room: 'kick', user: 'kick-student' });
  assert.deepEqual(await kicked, { type: 'kicked', room: 'kick', by: 'kick-mentor' });
  assert.equal(student.client.position('kick'), undefined);
});
