// Token refresh before exp, and a fresh token for every reconnect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverForFile, sleep, waitFor } from './server.js';

const fixture = serverForFile();

const expOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp * 1000;

test('the client refreshes a short-lived token before exp and the session outlives it', async () => {
  const t = fixture.client('short-lived', { ttl: 6 }); // refreshed a tenth of its lifetime before exp
  await t.client.connect();
  const firstExp = expOf(t.sent[0].token);

  await waitFor(() => t.sent.some((f) => f.type === 'refresh'), 'a refresh', 8000);
  assert.ok(Date.now() < firstExp, 'refreshed before exp');
  assert.ok(Date.now() > firstExp - 2000, 'not long before exp');
  const refresh = t.sent.find((f) => f.type === 'refresh');
  assert.ok(expOf(refresh.token) > firstExp);

  await sleep(firstExp + 1500 - Date.now()); // past the first token's exp: without the refresh, 4010
  assert.equal((await t.client.request({ type: 'ping' })).type, 'pong');
  assert.equal(t.client.state, 'connected');
  assert.deepEqual(t.of('disconnected'), []);
  assert.deepEqual(t.of('error'), []);
  assert.equal(t.sockets.length, 1);
});

test('every reconnect asks getToken() for a fresh token', async () => {
  const t = fixture.client('fresh-token');
  await t.client.connect();
  assert.equal(t.tokenCalls, 1);
  t.cut();
  await waitFor(() => t.of('connected').length === 2, 'the reconnect');
  assert.equal(t.tokenCalls, 2);
  assert.deepEqual(t.sent.map((f) => f.type), ['auth', 'auth']);
});

test('a getToken() that throws fails connect with unauthorized', async () => {
  const t = fixture.client('no-token');
  t.tokenGate = Promise.reject(new Error('logged out'));
  t.tokenGate.catch(() => {});
  await assert.rejects(t.client.connect(), (err) => {
    assert.equal(err.code, 'unauthorized');
    assert.match(err.message, /logged out/);
    return true;
  });
  assert.equal(t.sockets.length, 0);
});
