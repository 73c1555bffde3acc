/**
 * A flood through the real $default handler with the close threshold off
 * (RATE_LIMIT_CLOSE_AFTER=0), at the default rate and burst: thousands of
 * messages from one connection, refused without a DynamoDB call, while the
 * other peers of its room and of another room go on as if nothing happened.
 * The integration test covers the default settings, where the flooder is
 * closed after burst + closeAfter refusals.
 */
import { describe, expect, it, vi } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { DEFAULT_RATE_LIMIT, REPORT_EVERY_MS } from '../../../lambda/runtime/rate-limit.js';
import { RATE_LIMITED_REASON } from '../../../lambda/runtime/rate-limit-gate.js';
import { createHarness, messageEvent, NOW } from '../support/harness.js';

const FLOOD = 5_000;
/** Thousands of handler runs: seconds on a busy machine. */
const SLOW = 30_000;
const { burst, perSecond } = DEFAULT_RATE_LIMIT;
const getPeers = (id: number) => ({ request: true, id, method: 'getPeers', data: {} });
const hello = (n: number) => ({ notification: true, method: 'hello', data: { n } });

/**
 * alice (c1, the flooder) and bob (c2) in room1, carol (c3) alone in room2;
 * `env` on top of the defaults; a clock the test moves.
 */
function floodHarness(app: App, env: Record<string, string>) {
  const clock = { now: NOW };
  const h = createHarness(app, { env: { TABLE_NAME: 'protoo', ...env }, now: () => clock.now });
  h.givenConnection('c1', 'room1', 'alice');
  h.givenConnection('c2', 'room1', 'bob');
  h.givenConnection('c3', 'room2', 'carol');
  h.givenRoom('room1', [
    { peerId: 'alice', connectionId: 'c1', enrolled: true },
    { peerId: 'bob', connectionId: 'c2', enrolled: true },
  ]);
  h.givenRoom('room2', [{ peerId: 'carol', connectionId: 'c3', enrolled: true }]);
  return { h, clock };
}

/** Sends one message and returns how many DynamoDB calls it made. */
async function storeCallsOf(h: ReturnType<typeof floodHarness>['h'], connectionId: string, body: unknown): Promise<number> {
  const before = h.dynamo.calls().length;
  await h.handlers.message(messageEvent(connectionId, body));
  return h.dynamo.calls().length - before;
}

describe('a flood with RATE_LIMIT_CLOSE_AFTER=0', () => {
  it('answers every request beyond the burst 429 without touching DynamoDB, never closes, and leaves other connections untouched', async () => {
    const { h } = floodHarness(roomRelay, { RATE_LIMIT_CLOSE_AFTER: '0' });
    let flooderStoreCalls = 0;
    let othersAsked = 0;
    for (let id = 1; id <= FLOOD; id++) {
      const calls = await storeCallsOf(h, 'c1', getPeers(id));
      if (id > burst) flooderStoreCalls += calls;
      // Every 100th flood message, the room's other peer and another room's peer ask too.
      if (id % 100 === 0) {
        othersAsked++;
        await h.handlers.message(messageEvent('c2', getPeers(othersAsked)));
        await h.handlers.message(messageEvent('c3', getPeers(othersAsked)));
      }
    }

    const answers = h.postedTo('c1');
    expect(answers).toHaveLength(FLOOD);
    expect(answers.slice(0, burst).every((m) => m.ok === true)).toBe(true);
    const refused = answers.slice(burst);
    expect(refused).toHaveLength(FLOOD - burst);
    expect(refused.every((m) => m.ok === false && m.errorCode === 429 && m.errorReason === RATE_LIMITED_REASON)).toBe(true);
    expect(refused.map((m) => m.id)).toEqual(Array.from({ length: FLOOD - burst }, (_, i) => burst + 1 + i));
    expect(flooderStoreCalls).toBe(0);
    expect(h.closedConnections()).toEqual([]);
    // One warning for the whole flood (the clock stands still: no second report period), a debug line per message.
    expect(h.logs.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ message: 'rate limit: refusing messages', connectionId: 'c1', refused: 1 }),
    ]);
    expect(h.logs.filter((line) => line.outcome === 'rate-limited' && line.level === 'debug')).toHaveLength(FLOOD - burst);

    expect(othersAsked).toBe(FLOOD / 100);
    expect(h.postedTo('c2')).toEqual(
      Array.from({ length: othersAsked }, (_, i) => ({ response: true, id: i + 1, ok: true, data: { peers: [{ id: 'alice', data: {} }] } })),
    );
    expect(h.postedTo('c3')).toEqual(Array.from({ length: othersAsked }, (_, i) => ({ response: true, id: i + 1, ok: true, data: { peers: [] } })));
    expect(h.logs.some((line) => line.outcome === 'rate-limited' && line.connectionId !== 'c1')).toBe(false);
  }, SLOW);

  it('a sustained flood gets exactly the refill rate through, one warning per report period, and the connection recovers once it slows down', async () => {
    const { h, clock } = floodHarness(roomRelay, { RATE_LIMIT_CLOSE_AFTER: '0' });
    // 3,000 requests over 10 s: 300/s, fifteen times the sustained rate.
    const seconds = 10;
    const count = 3_000;
    const gapMs = (seconds * 1000) / count;
    let refusedStoreCalls = 0;
    for (let id = 1; id <= count; id++) {
      clock.now = NOW + (id - 1) * gapMs;
      const calls = await storeCallsOf(h, 'c1', getPeers(id));
      // The handler's own line for this message says whether it was refused.
      if (h.logs.at(-1)?.outcome === 'rate-limited') refusedStoreCalls += calls;
    }
    const answers = h.postedTo('c1');
    const passed = answers.filter((m) => m.ok === true).length;
    // The burst, then what 20/s refills in the ~10 s the flood lasted.
    expect(passed).toBeGreaterThanOrEqual(burst + perSecond * seconds - 1);
    expect(passed).toBeLessThanOrEqual(burst + perSecond * seconds);
    expect(answers.filter((m) => m.errorCode === 429)).toHaveLength(count - passed);
    expect(h.logs.filter((line) => line.outcome === 'rate-limited')).toHaveLength(count - passed);
    expect(refusedStoreCalls).toBe(0);
    expect(h.closedConnections()).toEqual([]);
    const warnings = h.logs.filter((line) => line.message === 'rate limit: refusing messages');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / REPORT_EVERY_MS));

    // A second of quiet refills 20 tokens: the same connection is served again.
    clock.now += 1000;
    for (let id = count + 1; id <= count + perSecond; id++) await h.handlers.message(messageEvent('c1', getPeers(id)));
    expect(h.postedTo('c1').slice(count).every((m) => m.ok === true)).toBe(true);
  }, SLOW);

  it('drops notifications beyond the burst: never passed to the app, nothing read or posted; other peers\' notifications still arrive', async () => {
    const onNotification = vi.fn();
    const { h } = floodHarness({ ...roomRelay, onNotification }, { RATE_LIMIT_CLOSE_AFTER: '0' });
    let flooderStoreCalls = 0;
    for (let n = 1; n <= FLOOD; n++) {
      const calls = await storeCallsOf(h, 'c1', hello(n));
      if (n > burst) flooderStoreCalls += calls;
      if (n % 1000 === 0) {
        await h.handlers.message(messageEvent('c2', hello(n)));
        await h.handlers.message(messageEvent('c3', hello(n)));
      }
    }

    const from = (peerId: string) => onNotification.mock.calls.filter(([, session]) => session.peer.id === peerId).map(([notification]) => notification.data.n);
    expect(from('alice')).toEqual(Array.from({ length: burst }, (_, i) => i + 1));
    expect(from('bob')).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(from('carol')).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(flooderStoreCalls).toBe(0);
    expect(h.posted()).toEqual([]);
    expect(h.closedConnections()).toEqual([]);
    expect(h.logs.filter((line) => line.outcome === 'rate-limited')).toHaveLength(FLOOD - burst);
  }, SLOW);

  it('at the default settings the same flood is closed after burst + closeAfter messages: the setting is what keeps it open', async () => {
    const { h } = floodHarness(roomRelay, {});
    for (let id = 1; id <= 1_000; id++) await h.handlers.message(messageEvent('c1', getPeers(id)));
    expect(h.closedConnections()).toEqual(['c1']);
    expect(h.postedTo('c1')).toHaveLength(burst + DEFAULT_RATE_LIMIT.closeAfter);
  }, SLOW);
});
