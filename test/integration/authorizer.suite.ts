/**
 * The runtime behind a `$connect` authorizer that supplies roomId and
 * peerId: API Gateway delivers that context with every message and with
 * `$disconnect`, so identity never needs the query string — and a late
 * `$disconnect` of a replaced connection carries a valid identity, which
 * is the hard case for "never remove the newer binding".
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import type { AuthorizerEvent, AuthorizerResult } from '../../local/types.js';
import { createPeer, freshRoom, handshakeStatus, once, rejection, TestPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';

/** Allows `?room=R&peer=P` (not roomId/peerId), refuses `peer=intruder`. */
async function authorizer(event: AuthorizerEvent): Promise<AuthorizerResult> {
  const { room, peer } = event.queryStringParameters;
  if (!room || !peer) throw new Error('Unauthorized');
  return {
    principalId: peer,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: peer === 'intruder' ? 'Deny' : 'Allow', Action: 'execute-api:Invoke', Resource: event.methodArn }],
    },
    context: { roomId: room, peerId: peer },
  };
}

export function authorizerSuite(engine: () => RunningEngine): void {
  describe('room relay behind a $connect authorizer that supplies the identity', () => {
    const ctx = useStack(engine, { authorizer: { handler: authorizer, identitySource: ['route.request.querystring.peer'] } });
    const open: TestPeer[] = [];
    const connectAs = async (room: string, peerId: string) => {
      const p = new TestPeer(createPeer(`${ctx().stack.url}?room=${room}&peer=${peerId}`), peerId);
      open.push(p);
      await once(p.peer, 'open');
      return p;
    };
    afterEach(() => {
      for (const p of open.splice(0)) p.close();
      ctx().hooks.beforeInvoke = undefined;
    });

    it('takes roomId and peerId from the authorizer context', async () => {
      const room = freshRoom('auth');
      const a = await connectAs(room, 'a');
      const b = await connectAs(room, 'b');
      await a.peer.request('join', { data: { who: 'a' } });
      expect(await b.peer.request('join')).toEqual({ peers: [{ id: 'a', data: { who: 'a' } }] });
      b.onRequest = (r, accept) => accept({ from: r.data.from });
      expect(await a.peer.request('peerRequest', { peerId: 'b', method: 'x' })).toEqual({ from: 'a' });
    });

    it('a denied or unauthorized client fails the handshake and never reaches the room', async () => {
      const room = freshRoom('auth');
      const watcher = await connectAs(room, 'w');
      await watcher.peer.request('join');
      for (const url of [`${ctx().stack.url}?room=${room}&peer=intruder`, `${ctx().stack.url}?room=${room}`]) {
        const client = createPeer(url, { retries: 0 });
        open.push(new TestPeer(client, 'x'));
        await once(client, 'failed');
      }
      expect(await watcher.peer.request('getPeers')).toEqual({ peers: [] });
      expect((await rejection(watcher.peer.request('peerNotify', { peerId: 'intruder', method: 'x' }))).code).toBe(404);
    });

    it('an authorizer context with an invalid roomId or peerId refuses the handshake with 400, never falling back to the query string', async () => {
      const room = freshRoom('auth');
      const watcher = await connectAs(room, 'w');
      await watcher.peer.request('join');
      // The query also names a perfectly valid roomId/peerId: the runtime must not use them.
      const fallback = `roomId=${room}&peerId=bob`;
      const refused: Array<[string, string]> = [
        [room, 'auth0|mallory'],
        [room, 'p'.repeat(65)],
        [room, 'has space'],
        ['auth0|room', 'bob'],
        ['r'.repeat(65), 'bob'],
      ];
      for (const [authRoom, authPeer] of refused) {
        const url = `${ctx().stack.url}?room=${encodeURIComponent(authRoom)}&peer=${encodeURIComponent(authPeer)}&${fallback}`;
        expect(await handshakeStatus(url, 'protoo'), `${authRoom} / ${authPeer}`).toBe(400);
      }
      await ctx().stack.settled();
      expect(await watcher.peer.request('getPeers')).toEqual({ peers: [] });
      expect((await rejection(watcher.peer.request('peerNotify', { peerId: 'bob', method: 'x' }))).code).toBe(404);
      expect(watcher.notifications).toEqual([]);
      // The same query with valid authorizer ids connects (as the authorizer's identity, not the query's).
      const alice = await connectAs(room, 'alice');
      await alice.peer.request('join');
      expect((await watcher.notification('newPeer')).data).toEqual({ id: 'alice', data: {} });
    });

    it('a late $disconnect of a replaced connection, carrying a valid identity, does not remove the new one', async () => {
      const room = freshRoom('auth');
      const watcher = await connectAs(room, 'w');
      await watcher.peer.request('join');
      const old = await connectAs(room, 'a');
      await old.peer.request('join', { data: { v: 'old' } });
      await watcher.notification('newPeer', (n) => n.data.id === 'a');

      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const held: Array<Record<string, unknown> | undefined> = [];
      ctx().hooks.beforeInvoke = async (route, event) => {
        if (route !== '$disconnect') return;
        held.push(event.requestContext.authorizer);
        await released;
      };
      old.peer.on('disconnected', () => old.close());
      const oldClosed = once(old.peer, 'close');
      const replacement = await connectAs(room, 'a');
      await oldClosed;
      await replacement.peer.request('join', { data: { v: 'new' } });
      await watcher.notification('newPeer', (n) => n.data.data?.v === 'new');
      // The held $disconnect is the old connection's, and names room and peer.
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ roomId: room, peerId: 'a' });

      release();
      await ctx().stack.settled();
      expect(await watcher.peer.request('getPeers')).toEqual({ peers: [{ id: 'a', data: { v: 'new' } }] });
      replacement.onRequest = (_r, accept) => accept({ alive: true });
      expect(await watcher.peer.request('peerRequest', { peerId: 'a', method: 'ping' })).toEqual({ alive: true });
      expect(watcher.notifications.filter((n) => n.method === 'peerClosed')).toHaveLength(1);
    });
  });
}
