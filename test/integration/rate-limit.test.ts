/**
 * Issue 8 §3 on the local stack (dynalite): one client fires 5,000
 * requests as fast as it can while a peer in another room keeps calling
 * getPeers at a steady 10/s. The flooder gets 429s; the other peer's
 * latency stays near its idle value (before the limit it reached 7.4 s
 * against 9 ms idle) and every answer is right; a well-behaved peer in
 * the flooder's own room still gets its notifications.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { createRoomRelay } from '../../lambda/apps/room-relay.js';
import { createHandlers } from '../../lambda/create-handlers.js';
import { RATE_LIMITED_REASON } from '../../lambda/runtime/rate-limit-gate.js';
import { DEFAULT_RATE_LIMIT } from '../../lambda/runtime/rate-limit.js';
import { startTestEngine } from './support/engines.js';
import { freshRoom, openPeer, sleep, within, type TestPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';
import { trackInvocations } from './support/tracked-handlers.js';

let engine: RunningEngine | undefined;
beforeAll(async () => {
  engine = await startTestEngine('dynalite');
});
afterAll(async () => {
  await engine?.stop();
});

const FLOOD = 5_000;
/** "Within a few hundred ms" of idle, on a machine other test files share. */
const P95_LIMIT_MS = 400;
const WINDOW_MS = 5_000;

/**
 * The flooder: a raw protoo client (protoo-client would queue) in a worker
 * thread, as a real one is on another machine, so its own CPU is not the
 * stack's. It joins, then on 'fire' sends getPeers frames in a tight loop.
 */
const FLOODER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const WebSocket = require(workerData.ws);
  const ws = new WebSocket(workerData.url, 'protoo');
  ws.on('open', () => ws.send(JSON.stringify({ request: true, id: 0, method: 'join', data: { data: {} } })));
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.response) parentPort.postMessage({ answer: m.ok ? 'ok' : m.errorCode, reason: m.errorReason });
  });
  ws.on('close', () => parentPort.postMessage({ closed: true }));
  ws.on('error', (error) => parentPort.postMessage({ error: String(error) }));
  parentPort.on('message', ({ fire }) => {
    if (fire === 'stop') return ws.terminate();
    for (let id = 1; id <= fire; id++) ws.send(JSON.stringify({ request: true, id, method: 'getPeers', data: {} }));
  });
`;

class Flooder {
  readonly answers = new Map<number | 'ok', number>();
  readonly reasons = new Set<string>();
  readonly closed: Promise<void>;
  private answered = 0;
  private waiting?: { count: number; resolve: () => void };

  private constructor(private readonly worker: Worker) {
    this.closed = new Promise((resolve) => worker.on('message', (m) => m.closed && resolve()));
    worker.on('message', (m: { answer?: number | 'ok'; reason?: string; error?: string }) => {
      if (m.answer === undefined) return;
      this.answers.set(m.answer, (this.answers.get(m.answer) ?? 0) + 1);
      if (m.answer !== 'ok') this.reasons.add(m.reason!);
      if (++this.answered === this.waiting?.count) this.waiting.resolve();
    });
  }

  static async join(url: string, roomId: string, peerId: string): Promise<Flooder> {
    const ws = createRequire(import.meta.url).resolve('ws');
    const worker = new Worker(FLOODER, { eval: true, workerData: { ws, url: `${url}?roomId=${roomId}&peerId=${peerId}` } });
    const flooder = new Flooder(worker);
    await within(flooder.until(1), 5_000, 'the flooder joined');
    expect(flooder.answers.get('ok')).toBe(1);
    return flooder;
  }

  /** Resolves once `count` answers have arrived in all. */
  until(count: number): Promise<void> {
    if (this.answered >= count) return Promise.resolve();
    return new Promise((resolve) => (this.waiting = { count, resolve }));
  }

  fire(count: number): void {
    this.worker.postMessage({ fire: count });
  }

  close(): void {
    this.worker.postMessage({ fire: 'stop' });
    setTimeout(() => void this.worker.terminate(), 100);
  }
}

/** getPeers every 100 ms (well within the limit) until `stop` resolves; each answer checked. */
async function pollGetPeers(peer: TestPeer, expected: unknown, stop: Promise<unknown>): Promise<number[]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const latencies: number[] = [];
  while (!stopped) {
    const started = performance.now();
    const answer = await within(peer.peer.request('getPeers'), 10_000, `${peer.peerId} getPeers`);
    latencies.push(performance.now() - started);
    expect(answer).toEqual(expected);
    await sleep(Math.max(0, 100 - (performance.now() - started)));
  }
  return latencies;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

/** Two rooms: the flooder with a watcher, and a calm pair whose getPeers answer is known. */
async function scene(url: string) {
  const floodRoom = freshRoom('flood');
  const calmRoom = freshRoom('calm');
  const flooder = await Flooder.join(url, floodRoom, 'flooder');
  const watcher = await openPeer(url, floodRoom, 'watcher');
  await watcher.peer.request('join', { data: { name: 'watcher' } });
  const calm = await openPeer(url, calmRoom, 'calm');
  const other = await openPeer(url, calmRoom, 'other');
  await calm.peer.request('join', { data: {} });
  await other.peer.request('join', { data: { name: 'other' } });
  const expected = { peers: [{ id: 'other', data: { name: 'other' } }] };
  const idle = await pollGetPeers(calm, expected, sleep(2_000));
  return { floodRoom, flooder, watcher, calm, expected, idle, peers: [watcher, calm, other] };
}

/** While the flood runs, a newcomer joins the flooder's room and notifies the watcher: both reach it. */
async function watcherStillHears(url: string, roomId: string, watcher: TestPeer): Promise<TestPeer> {
  const newcomer = await openPeer(url, roomId, 'newcomer');
  await within(newcomer.peer.request('join', { data: { name: 'newcomer' } }), 5_000, 'newcomer join');
  await watcher.notification('newPeer', (n) => n.data.id === 'newcomer');
  expect(await within(newcomer.peer.request('peerNotify', { peerId: 'watcher', method: 'hello', data: { n: 1 } }), 5_000, 'peerNotify')).toEqual({ delivered: 1 });
  await watcher.notification('hello', (n) => n.data.from === 'newcomer' && n.data.data.n === 1);
  return newcomer;
}

let open: { close(): void }[] = [];

/** The real handlers on a stack of their own, counted so the engine never stops under an invocation. */
function floodStack() {
  const tracked = trackInvocations(createHandlers(createRoomRelay()));
  const handle = useStack(() => engine!, { handlers: tracked.handlers, env: { LOG_LEVEL: 'silent' } });
  afterEach(async () => {
    for (const peer of open) peer.close();
    open = [];
    await tracked.idle();
  });
  return handle;
}

describe('a flooding client, with the default limits', () => {
  const handle = floodStack();

  it('is answered 429 and then closed; a peer in another room keeps its idle latency, a peer in its room its notifications', async () => {
    const { url } = handle().stack;
    const { floodRoom, flooder, watcher, calm, expected, idle, peers } = await scene(url);
    open.push(flooder, ...peers);

    const started = performance.now();
    flooder.fire(FLOOD);
    // A fixed window from the flood's start; the flood is refused, closed and over well within it.
    const during = pollGetPeers(calm, expected, sleep(WINDOW_MS));
    const newcomer = await watcherStillHears(url, floodRoom, watcher);
    open.push(newcomer);
    await within(flooder.closed, 10_000, 'the flooder closed by the limit');
    const closedAfter = performance.now() - started;
    const latencies = await during;

    // At most the bucket (100, one spent on join) and what it refilled while the flood was being
    // served (20 a second, until the close) is served, and 200 refused, the last of which closes it:
    // the rest is dropped unanswered (answers still in flight at the close are lost).
    console.info(`flooder: ${flooder.answers.get('ok')} answered, ${flooder.answers.get(429)} refused before it was closed`);
    const { burst, perSecond } = DEFAULT_RATE_LIMIT;
    expect(flooder.answers.get('ok')).toBeLessThanOrEqual(burst - 1 + Math.ceil((perSecond * closedAfter) / 1000));
    expect(flooder.answers.get(429)).toBeGreaterThan(0);
    expect(flooder.answers.get(429)).toBeLessThanOrEqual(200);
    expect(flooder.answers.size).toBe(2);
    expect([...flooder.reasons]).toEqual([RATE_LIMITED_REASON]);
    await watcher.notification('peerClosed', (n) => n.data.peerId === 'flooder');
    expect(watcher.notifications.filter((n) => n.method === 'peerClosed').map((n) => n.data.peerId)).toEqual(['flooder']);

    console.info(
      `flooder closed ${closedAfter.toFixed(0)} ms after its first frame; calm getPeers p95: idle ${p95(idle).toFixed(1)} ms, ` +
        `${WINDOW_MS} ms from the flood's start ${p95(latencies).toFixed(1)} ms (${latencies.length} calls, slowest ${Math.max(...latencies).toFixed(0)} ms)`,
    );
    expect(latencies.length).toBeGreaterThanOrEqual(10);
    expect(p95(latencies)).toBeLessThan(Math.max(P95_LIMIT_MS, p95(idle) + P95_LIMIT_MS));
  });
});
