/**
 * The single `handler` export serves every route and the keep-alive
 * schedule, dispatching on the event: the local stack wired with that one
 * function for $connect, $disconnect, $default and the sweep runs the room
 * relay end to end with real protoo-clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../lambda/entry.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import type { LambdaHandler } from '../../local/types.js';
import { loadHandlers } from '../../local/handlers-module.js';
import { openPeer, rejection, type TestPeer } from '../integration/support/protoo.js';

const IDLE_TIMEOUT_MS = 4_000;
// One function behind every route, as the deployed function is (a route's event only ever gets a route's result).
const everyRoute = handler as LambdaHandler;
let stack: LocalStack;
const peers: TestPeer[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    handlers: { connect: everyRoute, disconnect: everyRoute, message: everyRoute, sweep: everyRoute },
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    env: { LOG_LEVEL: 'error' },
  });
});
afterAll(async () => {
  for (const p of peers) p.close();
  await stack?.stop();
});

describe('one function for every route', () => {
  it('connects, joins, relays, keeps alive and announces a leave through the one handler', async () => {
    const a = await openPeer(stack.url, 'one-fn', 'a');
    const b = await openPeer(stack.url, 'one-fn', 'b');
    peers.push(a, b);
    expect(await a.peer.request('join', { data: { n: 1 } })).toEqual({ peers: [] });
    expect(await b.peer.request('join', { data: { n: 2 } })).toEqual({ peers: [{ id: 'a', data: { n: 1 } }] });
    await a.until(() => a.notifications.find((n) => n.method === 'newPeer'), 5_000, 'newPeer b');

    b.onRequest = (request, accept) => accept({ echoed: request.data });
    expect(await a.peer.request('peerRequest', { peerId: 'b', method: 'ping', data: { x: 1 } })).toEqual({ echoed: { from: 'a', data: { x: 1 } } });

    // The sweep, through the same handler, reaches both within one interval.
    await a.until(() => a.notifications.find((n) => n.method === 'serverKeepAlive'), 2 * stack.keepAlive!.intervalMs, 'a keep-alive');

    b.close();
    const closed = await a.until(() => a.notifications.find((n) => n.method === 'peerClosed'), 5_000, 'peerClosed b');
    expect(closed.data).toEqual({ peerId: 'b' });
  });

  it('a module exporting only `handler` serves every route and the sweep locally', async () => {
    const loaded = await loadHandlers({ handler } as never);
    expect([loaded.connect, loaded.disconnect, loaded.message, loaded.sweep]).toEqual([handler, handler, handler, handler]);
  });

  it('refuses an event that is neither a WebSocket route nor a scheduled event', async () => {
    const error = await rejection(handler({ hello: 'world' } as never) as Promise<unknown>);
    expect(error.message).toMatch(/not an API Gateway WebSocket event nor a scheduled event/);
  });
});
