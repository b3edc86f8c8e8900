// Reconnecting after abrupt drops: recovery without gap or duplicate, the offline send queue, gaps, fatal closes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextEvent, serverForFile, sleep, waitFor } from './server.js';

const RECOVERY_MAX = 100; // more than a reconnect under load can miss in the storm test
const fixture = serverForFile({
  RTS_RECOVERY_MAX: String(RECOVERY_MAX),
  RTS_SEND_RATE: '1000',
  RTS_SEND_BURST: '1000',
  RTS_FRAME_RATE: '1000',
  RTS_FRAME_BURST: '1000',
});

// A mentor A and a student B, both joined to a fresh org-visible room; `seen` collects B's message seqs.
async function pair(room) {
  const a = fixture.client(`${room}-a`, { role: 'mentor' });
  const b = fixture.client(`${room}-b`);
  await Promise.all([a.client.connect(), b.client.connect()]);
  await a.client.createRoom(room, { visibility: 'org' });
  await a.client.join(room);
  await b.client.join(room);
  const seen = [];
  b.client.on('message', (push) => push.room === room && seen.push(push.msg.seq));
  return { a, b, seen };
}

// Holds B's next getToken() until the returned function is called, so the test decides when B is back.
function holdReconnect(t) {
  let release;
  t.tokenGate = new Promise((resolve) => (release = resolve));
  return () => {
    t.tokenGate = null;
    release();
  };
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('after an abrupt drop the client reconnects by itself and the app sees every seq once, in order', async () => {
  const { a, b, seen } = await pair('recovery');
  await a.client.send('recovery', 'before the drop');
  await waitFor(() => seen.length === 1, 'the first message');

  const release = holdReconnect(b);
  const reconnected = nextEvent(b.client, 'connected');
  b.cut();
  await waitFor(() => b.client.state === 'connecting', 'B to start reconnecting');
  for (let i = 1; i <= 5; i++) await a.client.send('recovery', `while B is away ${i}`);
  release();
  await reconnected;
  await a.client.send('recovery', 'after the reconnect');
  await waitFor(() => seen.length >= 7, 'seven messages');
  await sleep(100);

  assert.deepEqual(seen, range(1, 7));
  assert.equal(b.of('gap').length, 0);
  const [disconnected] = b.of('disconnected');
  assert.equal(disconnected.code, 1006);
  assert.equal(disconnected.willReconnect, true);
  assert.equal(b.of('reconnecting')[0].attempt, 1);
  const rejoin = b.sent.filter((f) => f.type === 'join').at(-1);
  assert.equal(rejoin.since, 1);
  assert.equal(rejoin.epoch, b.client.position('recovery').epoch);
  assert.equal(b.client.position('recovery').since, 7);
});

test('repeated drops while messages keep coming: still no gap and no duplicate', async () => {
  const { a, b, seen } = await pair('storm');
  let sending = true;
  let sent = 0;
  const sender = (async () => {
    while (sending) {
      await a.client.send('storm', `m${++sent}`);
      await sleep(5);
    }
  })();
  for (let drop = 1; drop <= 6; drop++) {
    await waitFor(() => b.of('connected').length === drop, 'B to be back');
    await sleep(Math.random() * 80); // cut right after the rejoin, or amid live pushes
    b.cut();
  }
  await waitFor(() => b.of('connected').length === 7, 'B to be back');
  sending = false;
  await sender;
  await waitFor(() => seen.length >= sent, `${sent} messages`);
  await sleep(100);
  assert.deepEqual(seen, range(1, sent));
  assert.equal(b.of('gap').length, 0);
  assert.equal(b.of('disconnected').length, 6);
});

test('sends made while disconnected are queued and delivered once after the rejoin, with their ack', async () => {
  const { a, b } = await pair('queue');
  const texts = [];
  a.client.on('message', (push) => push.room === 'queue' && texts.push(push.msg.text));

  const release = holdReconnect(b);
  b.cut();
  await waitFor(() => b.client.state === 'connecting', 'B to start reconnecting');
  const first = b.client.send('queue', 'offline 1');
  const second = b.client.send('queue', 'offline 2', { clientMsgId: 'queue-2' });
  await sleep(50);
  const socketsBefore = b.sockets.length;
  assert.equal(b.sent.filter((f) => f.type === 'send').length, 0, 'nothing is sent while disconnected');
  release();
  const [ack1, ack2] = await Promise.all([first, second]);
  assert.equal(ack1.type, 'ack');
  assert.equal(ack2.seq, ack1.seq + 1);
  assert.ok(b.sockets.length > socketsBefore);
  // On the new socket: auth, the rejoin, then the queued sends in order.
  assert.deepEqual(b.sent.map((f) => f.type), ['auth', 'join', 'auth', 'join', 'send', 'send']);
  assert.equal(b.sent[5].client_msg_id, 'queue-2');

  // Resending the same client_msg_id returns the original ack and creates nothing.
  const again = await b.client.send('queue', 'offline 2, resent', { clientMsgId: 'queue-2' });
  assert.equal(again.msg_id, ack2.msg_id);
  assert.equal(again.seq, ack2.seq);
  await waitFor(() => texts.length >= 2, 'A to see both');
  await sleep(150);
  assert.deepEqual(texts, ['offline 1', 'offline 2']);
  const history = await a.client.history('queue');
  assert.deepEqual(history.messages.map((m) => m.text), ['offline 1', 'offline 2']);
});

test('a send on the wire when the connection drops is resent with the same client_msg_id, stored once', async () => {
  const { a, b } = await pair('inflight');
  const texts = [];
  a.client.on('message', (push) => push.room === 'inflight' && texts.push(push.msg.text));
  // 1: cut at once (the frame may not get out); 2: the server stores it and acks, but the ack is lost.
  let lostAcks = 0;
  for (let i = 1; i <= 2; i++) {
    if (i === 2) b.dropIncoming = (frame) => frame.type === 'ack' && ++lostAcks;
    const pending = b.client.send('inflight', `in flight ${i}`, { clientMsgId: `inflight-${i}` });
    if (i === 2) await waitFor(() => lostAcks === 1, 'the ack to be lost');
    b.dropIncoming = null;
    b.cut();
    const ack = await pending;
    assert.equal(ack.status, 'delivered');
    assert.equal(ack.seq, i);
    assert.equal(b.sent.filter((f) => f.client_msg_id === `inflight-${i}`).length, 2, 'sent, then resent after the reconnect');
  }
  await sleep(150);
  assert.deepEqual(texts, ['in flight 1', 'in flight 2']);
});

test('more missed messages than recovery_max: a gap event, then live messages continue', async () => {
  const { a, b, seen } = await pair('gap');
  await a.client.send('gap', 'first');
  await waitFor(() => seen.length === 1, 'the first message');
  const release = holdReconnect(b);
  b.cut();
  await waitFor(() => b.client.state === 'connecting', 'B to start reconnecting');
  for (let i = 0; i < RECOVERY_MAX + 5; i++) await a.client.send('gap', `missed ${i}`);
  const gapped = nextEvent(b.client, 'gap');
  release();
  const gap = await gapped;
  assert.equal(gap.room, 'gap');
  assert.equal(gap.reason, 'too_many_missed');
  assert.equal(gap.since, 1);
  assert.equal(gap.messages.length, RECOVERY_MAX);
  assert.equal(gap.messages.at(-1).seq, RECOVERY_MAX + 6);
  await nextEvent(b.client, 'connected');
  await a.client.send('gap', 'live again');
  await waitFor(() => seen.length === 2, 'the live message');
  assert.deepEqual(seen, [1, RECOVERY_MAX + 7]);
});

test('4001 on reconnect: one more try with a fresh token, then it stops with an error', async () => {
  const t = fixture.client('expired-user');
  await t.client.connect();
  t.token = 'no-longer-valid';
  const failed = nextEvent(t.client, 'error');
  t.cut();
  const err = await failed;
  assert.equal(err.code, 'unauthorized');
  assert.equal(err.closeCode, 4001);
  assert.equal(t.client.state, 'closed');
  assert.deepEqual(t.of('disconnected').map((d) => [d.code, d.willReconnect]), [[1006, true], [4001, true], [4001, false]]);
  assert.equal(t.of('reconnecting').length, 2);
});

test('a banned user is closed with 4003 and does not reconnect', async () => {
  const admin = fixture.client('ban-admin', { role: 'admin' });
  const user = fixture.client('ban-target');
  await Promise.all([admin.client.connect(), user.client.connect()]);
  const failed = nextEvent(user.client, 'error');
  await admin.client.request({ type: 'ban', user: 'ban-target' });
  const err = await failed;
  assert.equal(err.code, 'forbidden');
  assert.equal(err.closeCode, 4003);
  assert.equal(user.client.state, 'closed');
  assert.equal(user.of('reconnecting').length, 0);
  assert.deepEqual(user.of('disconnected').map((d) => [d.code, d.willReconnect]), [[4003, false]]);
});
