// Test support: a real realtime-server on a free loopback port with a temporary data directory,
// tokens minted by its own CLI, and clients whose sockets the tests can watch and cut.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { RealtimeClient } from '../realtime-client.js';

// The `ws` package (a devDependency), else Debian's node-ws.
const { WebSocket } = await import('ws').catch(() => import('/usr/share/nodejs/ws/wrapper.mjs'));

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// RTS_SERVER_BIN, else the newest release build in the repository (.build/release, or another .build* directory).
function serverBinary() {
  if (process.env.RTS_SERVER_BIN) return process.env.RTS_SERVER_BIN;
  const builds = readdirSync(repoRoot)
    .filter((name) => name.startsWith('.build'))
    .map((name) => path.join(repoRoot, name, 'release', 'realtime-server'))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!builds.length) throw new Error('no realtime-server release build found: build it or set RTS_SERVER_BIN');
  return builds[0];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `predicate()` is truthy; fails after `timeoutMs` with `what`. */
export async function waitFor(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Starts the server (cwd = the repository root, so the development config and moderation rules apply);
 * `env` adds or overrides RTS_* settings.
 */
export async function startServer(env = {}) {
  const binary = serverBinary();
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rts-js-client-'));
  const serverEnv = {
    ...process.env,
    RTS_HOST: '127.0.0.1',
    RTS_PORT: String(port),
    RTS_DATA_DIR: dataDir,
    RTS_LOG_LEVEL: 'warning',
    RTS_SQLITE_SYNCHRONOUS: 'normal',
    RTS_SHUTDOWN_GRACE_MS: '2000',
    ...env,
  };
  const child = spawn(binary, [], { cwd: repoRoot, env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`realtime-server exited with ${child.exitCode}:\n${output}`);
    const healthy = await fetch(`${base}/healthz`).then((res) => res.status === 200, () => false);
    if (healthy) break;
    if (Date.now() > deadline) throw new Error(`realtime-server did not become healthy:\n${output}`);
    await sleep(50);
  }

  return {
    url: `ws://127.0.0.1:${port}/ws`,
    /** Mints a token with the server's CLI (same config and secret). */
    async token(sub, { org = 'acme', role = 'student', name = sub, ttl, scope } = {}) {
      const args = ['token', '--sub', sub, '--org', org, '--role', role, '--name', name];
      if (ttl !== undefined) args.push('--ttl', String(ttl));
      if (scope) args.push('--scope', scope);
      const { stdout } = await execFileAsync(binary, args, { cwd: repoRoot, env: serverEnv });
      return stdout.trim();
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A RealtimeClient for `sub` on the test server, with a recording WebSocket:
 * `sent` holds every frame it sent, `drop(frame)` can swallow outgoing frames and `dropIncoming(frame)`
 * frames from the server (as if lost with the connection), `cut()` terminates the
 * current socket abruptly (no close frame, like a lost network), `events` records every event, and
 * `tokenGate` (a promise), when set, holds back getToken() (so a reconnect waits for the test), and `token`,
 * when set, replaces the minted one.
 */
/** One server for the calling test file (started before its tests, stopped after them); `client`
 * makes a `testClient` that is closed at the end too. */
export function serverForFile(env = {}) {
  let server;
  const clients = [];
  before(async () => {
    server = await startServer(env);
  });
  after(async () => {
    for (const t of clients) t.client.close();
    await server.stop();
  });
  return {
    client(sub, opts) {
      const t = testClient(server, sub, opts);
      clients.push(t);
      return t;
    },
  };
}

export function testClient(server, sub, { role = 'student', ttl, scope, options = {} } = {}) {
  const t = { sockets: [], sent: [], events: [], drop: null, dropIncoming: null, tokenGate: null, token: null, tokenCalls: 0 };
  class RecordingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      t.sockets.push(this);
    }
    send(data) {
      const frame = JSON.parse(data);
      t.sent.push(frame);
      if (!t.drop?.(frame)) super.send(data);
    }
    get onmessage() {
      return super.onmessage;
    }
    set onmessage(handler) {
      super.onmessage = handler && ((event) => t.dropIncoming?.(JSON.parse(event.data)) || handler(event));
    }
  }
  t.client = new RealtimeClient({
    url: server.url,
    WebSocket: RecordingWebSocket,
    getToken: async () => {
      t.tokenCalls++;
      await t.tokenGate;
      return t.token ?? server.token(sub, { role, ttl, scope });
    },
    reconnect: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  t.client.on('*', (type, payload) => t.events.push({ type, payload }));
  t.cut = () => t.sockets.at(-1).terminate();
  t.of = (type) => t.events.filter((e) => e.type === type).map((e) => e.payload);
  return t;
}

/** Resolves with the next `type` event of `client` that satisfies `filter`. */
export function nextEvent(client, type, filter = () => true, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for a ${type} event`));
    }, timeoutMs);
    const off = client.on(type, (payload) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
