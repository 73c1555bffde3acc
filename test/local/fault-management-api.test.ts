/**
 * Issue 9 §1 on the local stack, with the same handlers and real
 * protoo-clients: the Management API answers 429, 500 or nothing for the
 * posts to one live peer (a proxy in front of the emulator's own
 * @connections, which the runtime reaches through MANAGEMENT_API_ENDPOINT).
 * The sender is still answered, within the post's bound; the post was
 * retried once (2 attempts) and counted as not delivered — not Gone: the
 * peer stays joined, nobody hears peerClosed, and it is reachable again as
 * soon as the API recovers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { startFaultyManagementApi, type FaultyManagementApi, type ManagementFault } from '../support/fault-management-api.js';
import { openPeer, rejection, within, type TestPeer } from '../integration/support/protoo.js';

/** One attempt: POST_TIMEOUT_MS to connect and of silence, twice that in all (delivery/management-client.ts). */
const POST_TIMEOUT_MS = 500;
/** 2 attempts of at most 2 × POST_TIMEOUT_MS, ≤ 1 s of the SDK's backoff, and slack for a loaded machine. */
const POST_BOUND_MS = 2 * 2 * POST_TIMEOUT_MS + 1_000 + 1_000;

let api: FaultyManagementApi;
let stack: LocalStack;
const peers: TestPeer[] = [];

beforeAll(async () => {
  api = await startFaultyManagementApi('local');
  stack = await startLocalStack({
    handlers: 'lambda/entry.ts',
    logLevel: 'error',
    keepAlive: false,
    env: {
      LOG_LEVEL: 'silent',
      MANAGEMENT_API_ENDPOINT: api.endpoint,
      POST_TIMEOUT_MS: String(POST_TIMEOUT_MS),
      // Far above the post's bound: what answers the sender is the runtime's delivery handling, not the deadline.
      INVOCATION_DEADLINE_MS: '10000',
    },
  });
  api.target = stack.managementEndpoint;
});

afterEach(() => api.faults.clear());

afterAll(async () => {
  for (const peer of peers) peer.close();
  await stack?.stop();
  await api?.close();
});

/** Opens and joins a peer; returns it with its connection id (the one the stack did not know before). */
async function joined(roomId: string, peerId: string): Promise<{ peer: TestPeer; connectionId: string }> {
  const before = new Set(stack.connectionIds());
  const peer = await openPeer(stack.url, roomId, peerId);
  peers.push(peer);
  const [connectionId, ...more] = stack.connectionIds().filter((id) => !before.has(id));
  expect(more).toEqual([]);
  await peer.peer.request('join', { data: { name: peerId } });
  return { peer, connectionId };
}

const peerIds = (answer: { peers: { id: string }[] }) => answer.peers.map((peer) => peer.id).sort();
const closedNotices = (peer: TestPeer) => peer.notifications.filter((n) => n.method === 'peerClosed');

describe('a Management API failing for one live peer, behind the local stack', () => {
  it.each<[ManagementFault]>([['http-429'], ['http-500'], ['silent']])(
    '%s: the sender is answered within bounds, the post is retried once and counted as not delivered, and the peer is not removed',
    async (fault) => {
      const roomId = `mgmt-${fault}`;
      const alice = await joined(roomId, 'alice');
      const bob = await joined(roomId, 'bob');
      const carol = await joined(roomId, 'carol');
      await stack.settled();

      api.faults.set(bob.connectionId, fault);

      // A broadcast: carol's post gets through, bob's fails after 2 attempts; alice is answered.
      let started = Date.now();
      const broadcast = await within(alice.peer.peer.request('peerNotify', { method: 'hi', data: { n: 1 } }), POST_BOUND_MS, 'broadcast answer');
      expect(Date.now() - started).toBeLessThan(POST_BOUND_MS);
      expect(broadcast).toEqual({ delivered: 1 });
      expect(api.attempts.get(bob.connectionId)).toBe(2);
      expect((await carol.peer.notification('hi')).data).toMatchObject({ from: 'alice', data: { n: 1 } });

      // To bob alone: not delivered, answered as such.
      started = Date.now();
      const direct = await within(alice.peer.peer.request('peerNotify', { peerId: 'bob', method: 'direct' }), POST_BOUND_MS, 'peerNotify answer');
      expect(Date.now() - started).toBeLessThan(POST_BOUND_MS);
      expect(direct).toEqual({ delivered: 0 });
      expect(api.attempts.get(bob.connectionId)).toBe(4);

      // A relayed request to bob fails at once with "peer unreachable" instead of waiting for an answer.
      started = Date.now();
      const relayed = await rejection(within(carol.peer.peer.request('peerRequest', { peerId: 'bob', method: 'ping' }), POST_BOUND_MS, 'peerRequest answer'));
      expect(Date.now() - started).toBeLessThan(POST_BOUND_MS);
      expect(relayed.code).toBe(504);
      expect(relayed.message).toMatch(/peer unreachable/);
      expect(api.attempts.get(bob.connectionId)).toBe(6);

      // Not Gone: bob is still joined and connected, and nobody was told he left.
      await stack.settled();
      expect(stack.connectionIds()).toContain(bob.connectionId);
      expect(bob.peer.peer.connected).toBe(true);
      expect(peerIds(await carol.peer.peer.request('getPeers'))).toEqual(['alice', 'bob']);
      expect(closedNotices(alice.peer)).toEqual([]);
      expect(closedNotices(carol.peer)).toEqual([]);
      // Nothing reached bob while his posts failed.
      expect(bob.peer.notifications.map((n) => n.method)).not.toContain('hi');
      expect(bob.peer.notifications.map((n) => n.method)).not.toContain('direct');
      expect(bob.peer.requests).toEqual([]);

      // Once the API recovers, bob is reachable at the same connection, and can act himself.
      api.faults.delete(bob.connectionId);
      expect(await alice.peer.peer.request('peerNotify', { peerId: 'bob', method: 'again', data: { n: 2 } })).toEqual({ delivered: 1 });
      expect((await bob.peer.notification('again')).data).toMatchObject({ from: 'alice', data: { n: 2 } });
      bob.peer.onRequest = (_request, accept) => accept({ pong: true });
      expect(await carol.peer.peer.request('peerRequest', { peerId: 'bob', method: 'ping' })).toEqual({ pong: true });
      expect(await bob.peer.peer.request('peerNotify', { method: 'back' })).toEqual({ delivered: 2 });
      await alice.peer.notification('back');
      await carol.peer.notification('back');
    },
  );
});
