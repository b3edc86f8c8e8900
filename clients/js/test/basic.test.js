// Connecting, rooms, sending, request ids and timeouts, and error codes, against the real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ERROR_CODES, CLOSE_CODES, ERROR_CODES, RealtimeClient, RealtimeError } from '../realtime-client.js';
import { nextEvent, serverForFile } from './server.js';

const fixture = serverForFile();

const connect = (sub, opts) => fixture.client(sub, opts);

test('connect resolves with hello; a message goes from A to B with its seq, A gets the ack', async () => {
  const a = connect('mia', { role: 'mentor' });
  const b = connect('sam');
  const hello = await a.client.connect();
  assert.equal(hello.type, 'hello');
  assert.deepEqual(hello.user, { id: 'mia', name: 'mia', role: 'mentor', org: 'acme' });
  assert.equal(a.client.state, 'connected');
  assert.deepEqual(a.sent[0].type, 'auth');
  await b.client.connect();

  const room = await a.client.createRoom('basics', { title: 'Basics', visibility: 'org' });
  assert.equal(room.id, 'basics');
  const joinedA = await a.client.join('basics');
  const joinedB = await b.client.join('basics');
  assert.equal(joinedA.type, 'joined');
  assert.equal(joinedB.last_seq, 0);
  assert.deepEqual(b.client.position('basics'), { since: 0, epoch: joinedB.epoch });

  const received = nextEvent(b.client, 'message');
  const ack = await a.client.send('basics', 'Hello, Sam');
  assert.equal(ack.type, 'ack');
  assert.equal(ack.status, 'delivered');
  assert.equal(ack.seq, 1);
  const push = await received;
  assert.equal(push.room, 'basics');
  assert.equal(push.msg.seq, 1);
  assert.equal(push.msg.id, ack.msg_id);
  assert.equal(push.msg.text, 'Hello, Sam');
  assert.equal(push.msg.from.id, 'mia');
  assert.equal(typeof push.msg.client_msg_id, 'string');
  assert.equal(b.client.position('basics').since, 1);

  const reply = await b.client.send('basics', 'Hi Mia', { replyTo: ack.msg_id, clientMsgId: 'c-hi' });
  const history = await b.client.history('basics', { limit: 10 });
  assert.deepEqual(history.messages.map((m) => m.seq), [1, 2]);
  assert.equal(history.messages[1].reply_to, ack.msg_id);
  assert.equal(history.messages[1].client_msg_id, 'c-hi');
  assert.equal(history.messages[1].id, reply.msg_id);
});

test('every request gets its own id and is matched with its reply by re', async () => {
  const a = connect('ids', { role: 'mentor' });
  await a.client.connect();
  await a.client.createRoom('ids-room');
  const replies = await Promise.all([
    a.client.request({ type: 'ping' }),
    a.client.join('ids-room'),
    a.client.request({ type: 'ping', id: 'mine' }), // the client's id replaces this one
    a.client.history('ids-room'),
    a.client.openDirect('mia'),
  ]);
  assert.deepEqual(replies.slice(0, 4).map((r) => r.type), ['pong', 'joined', 'pong', 'history']);
  assert.equal(replies[4].kind, 'direct');
  const ids = a.sent.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const [i, reply] of replies.slice(0, 4).entries()) assert.equal(reply.re, a.sent[i + 2].id); // after auth and room.create
});

test('a request without a reply rejects with timeout; the client carries on', async () => {
  const a = connect('slow', { options: { requestTimeoutMs: 300 } });
  await a.client.connect();
  a.drop = (frame) => frame.type === 'ping'; // the frame never reaches the server
  const started = Date.now();
  await assert.rejects(a.client.request({ type: 'ping' }), (err) => {
    assert.ok(err instanceof RealtimeError);
    assert.equal(err.code, 'timeout');
    assert.equal(err.request.type, 'ping');
    return true;
  });
  assert.ok(Date.now() - started >= 290);
  await assert.rejects(a.client.request({ type: 'ping' }, { timeoutMs: 50 }), { code: 'timeout' });
  a.drop = null;
  assert.equal((await a.client.request({ type: 'ping' })).type, 'pong');
  assert.equal(a.client.state, 'connected');
});

test('error replies reject with a RealtimeError carrying the code', async () => {
  const mentor = connect('errs-mentor', { role: 'mentor' });
  const student = connect('errs-student');
  const guest = connect('errs-guest', { role: 'guest' });
  await Promise.all([mentor.client.connect(), student.client.connect(), guest.client.connect()]);
  await mentor.client.createRoom('errs', { visibility: 'org' });
  await Promise.all([mentor.client.join('errs'), student.client.join('errs'), guest.client.join('errs')]);

  const expect = (promise, code, extra = {}) =>
    assert.rejects(promise, (err) => {
      assert.ok(err instanceof RealtimeError, String(err));
      assert.equal(err.name, 'RealtimeError');
      assert.equal(err.code, code);
      assert.equal(err.frame.type, 'error');
      assert.equal(err.frame.code, code);
      assert.ok(err.message.length > 0);
      for (const [key, value] of Object.entries(extra)) assert.equal(err[key], value);
      return true;
    });

  await expect(student.client.join('no-such-room'), 'not_found');
  await expect(student.client.send('errs', '   '), 'bad_request');
  await expect(student.client.request({ type: 'no.such.type' }), 'bad_request');
  await expect(student.client.createRoom('student-room'), 'forbidden');
  await expect(guest.client.send('errs', 'hello'), 'forbidden');
  await expect(mentor.client.createRoom('errs'), 'conflict');
  await expect(student.client.send('errs', 'x'.repeat(4001)), 'too_large');
  await expect(student.client.send('errs', 'you are an idiot'), 'message_blocked', { reason: 'insult' });
  await expect(student.client.edit('errs', 'm-nope', 'new text'), 'not_found');

  // Over the send rate (5/s, burst 10): rate_limited with retryAfterMs.
  const results = await Promise.allSettled(Array.from({ length: 14 }, (_, i) => student.client.send('errs', `burst ${i}`)));
  const limited = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  assert.ok(limited.length > 0, 'some sends are rate limited');
  for (const err of limited) {
    assert.equal(err.code, 'rate_limited');
    assert.ok(err.retryAfterMs > 0);
    assert.equal(err.request.type, 'send');
  }
});

test('a bad token fails connect with unauthorized (close 4001) and no reconnect', async () => {
  const t = connect('badtoken');
  t.token = 'not-a-jwt';
  await assert.rejects(t.client.connect(), (err) => {
    assert.equal(err.code, 'unauthorized');
    assert.equal(err.closeCode, 4001);
    return true;
  });
  assert.equal(t.client.state, 'closed');
  assert.equal(t.of('reconnecting').length, 0);
  await assert.rejects(t.client.send('errs', 'hi'), { code: 'disconnected' });
  await assert.rejects(t.client.request({ type: 'ping' }), { code: 'disconnected' });
});

test('close() rejects what is pending and stops for good', async () => {
  const t = connect('closer');
  await t.client.connect();
  t.drop = (frame) => frame.type === 'ping';
  const pending = t.client.request({ type: 'ping' });
  const disconnected = nextEvent(t.client, 'disconnected');
  t.client.close();
  await assert.rejects(pending, { code: 'closed' });
  assert.deepEqual(await disconnected, { code: 1000, reason: 'client closed', willReconnect: false });
  assert.equal(t.client.state, 'closed');
});

test('constants list every protocol error code and close code', () => {
  assert.deepEqual(Object.keys(ERROR_CODES).sort(), [
    'bad_request', 'conflict', 'forbidden', 'internal', 'message_blocked', 'not_found', 'rate_limited', 'too_large', 'unauthorized', 'unavailable',
  ]);
  assert.deepEqual(Object.keys(CLIENT_ERROR_CODES).sort(), ['closed', 'disconnected', 'timeout']);
  for (const code of [1000, 1001, 1008, 1009, 1011, 4001, 4003, 4008, 4009, 4010]) assert.equal(typeof CLOSE_CODES[code], 'string');
  assert.throws(() => new RealtimeClient({ url: 'ws://x', getToken: () => 't', WebSocket: {} }), TypeError);
  const err = new RealtimeError('unavailable');
  assert.equal(err.message, ERROR_CODES.unavailable);
});
