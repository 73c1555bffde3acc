/**
 * The PeerStore contract: what the runtime relies on from its store —
 * conditional ownership, exactly-once takes, ordered enrollment, capacity,
 * expiry on every read, keep-alive buckets. One suite, run against the
 * DynamoDB store on a real engine (test/store/state-store.test.ts) and
 * against the in-memory store (test/unit/store/memory-store.test.ts), so the
 * memory store used by other tests cannot drift from the real one.
 */
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../lambda/keep-alive/buckets.js';
import type { PeerStore } from '../../lambda/runtime/ports.js';
import { AlreadyEnrolledError, ReplacementRefusedError, RequestIdTakenError, RosterFullError, StaleDataError, StaleRosterEntryError } from '../../lambda/store/errors.js';
import { UnstorableDataError } from '../../lambda/store/storable.js';

/** `storeAt(now)`: a view of one shared store whose clock reads `now` (default: the real time). */
export function peerStoreContract(storeAt: (nowMs?: number) => PeerStore): void {
  let roomCounter = 0;
  const newRoom = () => `room-${process.pid}-${++roomCounter}-${Math.random().toString(36).slice(2, 8)}`;

  describe('connections', () => {
    it('resolves a connectionId to its room and peer, and forgets it once deleted', async () => {
      const store = storeAt();
      const identity = { connectionId: 'conn-a', roomId: newRoom(), peerId: 'alice' };
      await store.putConnection(identity);
      expect(await store.getConnection('conn-a')).toEqual(identity);
      await store.deleteConnection('conn-a');
      expect(await store.getConnection('conn-a')).toBeUndefined();
    });

    it('ignores a connection whose TTL has passed even though the engine still holds it', async () => {
      const writtenAt = Date.now();
      await storeAt(writtenAt).putConnection({ connectionId: 'conn-old', roomId: newRoom(), peerId: 'p' });
      expect(await storeAt(writtenAt + 3 * 3600_000).getConnection('conn-old')).toBeUndefined();
      expect(await storeAt(writtenAt + 60_000).getConnection('conn-old')).toBeDefined();
    });
  });

  describe('peer binding', () => {
    it('returns the previous owner when a new connection takes the peerId, leaving one item', async () => {
      const store = storeAt();
      const roomId = newRoom();
      expect(await store.bindPeer({ connectionId: 'c1', roomId, peerId: 'bob' }, { n: 1 })).toBeUndefined();
      const previous = await store.bindPeer({ connectionId: 'c2', roomId, peerId: 'bob' });
      expect(previous).toMatchObject({ peerId: 'bob', connectionId: 'c1', data: { n: 1 } });
      const peers = await store.listPeers(roomId);
      expect(peers.map((peer) => [peer.peerId, peer.connectionId])).toEqual([['bob', 'c2']]);
    });

    it('never lets two racing connections both own one peerId', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const connections = Array.from({ length: 10 }, (_, i) => `race-${i}`);
      const outcomes = await Promise.allSettled(connections.map((connectionId) => store.bindPeer({ connectionId, roomId, peerId: 'carol' })));
      const owner = (await store.getPeer(roomId, 'carol'))!.connectionId;
      const displaced = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value ? [outcome.value.connectionId] : []));
      // A bind that lands after a newer connection's (by its connect time) is refused and writes nothing.
      const refused = connections.filter((_, i) => outcomes[i]!.status === 'rejected');
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ReplacementRefusedError);
      // Every connection but the final owner was displaced exactly once, or never bound.
      expect([...displaced, ...refused, owner].sort()).toEqual([...connections].sort());
      expect(displaced).not.toContain(owner);
    });

    it('a late bind of an older connection never takes the peerId back from a newer one', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const connectedAt = Date.now();
      await store.bindPeer({ connectionId: 'newer', roomId, peerId: 'cy' }, { v: 'newer' }, connectedAt);
      await expect(store.bindPeer({ connectionId: 'older', roomId, peerId: 'cy' }, { v: 'older' }, connectedAt - 1)).rejects.toBeInstanceOf(ReplacementRefusedError);
      expect(await store.getPeer(roomId, 'cy')).toMatchObject({ connectionId: 'newer', data: { v: 'newer' } });
      // Made at the same moment, or later: replaced as usual.
      expect(await store.bindPeer({ connectionId: 'same', roomId, peerId: 'cy' }, {}, connectedAt)).toMatchObject({ connectionId: 'newer' });
      expect(await store.bindPeer({ connectionId: 'newest', roomId, peerId: 'cy' }, {}, connectedAt + 1)).toMatchObject({ connectionId: 'same' });
      // Rebinding its own connection is never refused.
      expect(await store.bindPeer({ connectionId: 'newest', roomId, peerId: 'cy' }, { again: true }, connectedAt - 5)).toBeUndefined();
    });

    it('a binding older than the fence (written before it) is replaced as before', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt).bindPeer({ connectionId: 'first', roomId, peerId: 'di' });
      expect(await storeAt(writtenAt + 10).bindPeer({ connectionId: 'second', roomId, peerId: 'di' })).toMatchObject({ connectionId: 'first' });
    });

    it('ignores an expired previous binding: nobody needs to be closed', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt).bindPeer({ connectionId: 'stale', roomId, peerId: 'dan' });
      const later = storeAt(writtenAt + 3 * 3600_000);
      expect(await later.bindPeer({ connectionId: 'fresh', roomId, peerId: 'dan' })).toBeUndefined();
    });
  });

  describe('unbinding', () => {
    it('a late $disconnect of a replaced connection leaves the new binding alone', async () => {
      const store = storeAt();
      const roomId = newRoom();
      await store.bindPeer({ connectionId: 'old', roomId, peerId: 'erin' });
      await store.bindPeer({ connectionId: 'new', roomId, peerId: 'erin' });
      expect(await store.unbindPeer({ connectionId: 'old', roomId, peerId: 'erin' })).toBeUndefined();
      expect((await store.getPeer(roomId, 'erin'))?.connectionId).toBe('new');
    });

    it('removes the peer for exactly one of two racing cleanups', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const identity = { connectionId: 'c', roomId, peerId: 'frank' };
      await store.bindPeer(identity, { joined: true });
      const results = await Promise.all([store.unbindPeer(identity), store.unbindPeer(identity), store.unbindPeer(identity)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(results.find(Boolean)).toMatchObject({ data: { joined: true } });
      expect(await store.getPeer(roomId, 'frank')).toBeUndefined();
    });
  });

  describe('peer data', () => {
    it('writes when the version matches and bumps it', async () => {
      const store = storeAt();
      const identity = { connectionId: 'c', roomId: newRoom(), peerId: 'gina' };
      await store.bindPeer(identity);
      expect(await store.updatePeerData(identity, 0, { joined: true })).toBe(1);
      expect(await store.getPeer(identity.roomId, 'gina')).toMatchObject({ data: { joined: true }, version: 1 });
    });

    it('refuses a write based on a stale version (two concurrent joins: one wins)', async () => {
      const store = storeAt();
      const identity = { connectionId: 'c', roomId: newRoom(), peerId: 'hank' };
      await store.bindPeer(identity);
      const outcomes = await Promise.allSettled([store.updatePeerData(identity, 0, { a: 1 }), store.updatePeerData(identity, 0, { b: 2 })]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const failure = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(failure.reason).toBeInstanceOf(StaleDataError);
    });

    it('refuses a write from a connection that no longer owns the peer', async () => {
      const store = storeAt();
      const roomId = newRoom();
      await store.bindPeer({ connectionId: 'old', roomId, peerId: 'ivy' });
      await store.bindPeer({ connectionId: 'new', roomId, peerId: 'ivy' });
      await expect(store.updatePeerData({ connectionId: 'old', roomId, peerId: 'ivy' }, 0, { x: 1 })).rejects.toBeInstanceOf(StaleDataError);
    });

    it('refuses a write to a peer that is gone', async () => {
      const store = storeAt();
      await expect(store.updatePeerData({ connectionId: 'c', roomId: newRoom(), peerId: 'nobody' }, 0, {})).rejects.toBeInstanceOf(StaleDataError);
    });
  });

  describe('room membership', () => {
    it('lists only this room, skipping expired peers and pending requests', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      const otherRoom = newRoom();
      await storeAt(writtenAt - 3 * 3600_000).bindPeer({ connectionId: 'expired', roomId, peerId: 'ghost' });
      const store = storeAt(writtenAt);
      await store.bindPeer({ connectionId: 'c1', roomId, peerId: 'p1' });
      await store.bindPeer({ connectionId: 'c2', roomId, peerId: 'p2' });
      await store.bindPeer({ connectionId: 'c3', roomId: otherRoom, peerId: 'p3' });
      await store.putPendingRequest({ roomId, targetConnectionId: 'c1', requestId: 7, method: 'm', state: {} });
      const peers = await store.listPeers(roomId);
      expect(peers.map((peer) => peer.peerId).sort()).toEqual(['p1', 'p2']);
    });

    it('pages through a room larger than one 1 MB Query page', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const bulky = { blob: 'x'.repeat(60_000) };
      const peerIds = Array.from({ length: 25 }, (_, i) => `peer-${String(i).padStart(2, '0')}`);
      for (const peerId of peerIds) await store.bindPeer({ connectionId: `c-${peerId}`, roomId, peerId }, bulky);
      const peers = await store.listPeers(roomId);
      expect(peers.map((peer) => peer.peerId)).toEqual(peerIds);
    });
  });

  describe('expired items are absent on every read', () => {
    it('getPeer ignores an expired binding', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt).bindPeer({ connectionId: 'c', roomId, peerId: 'exp' });
      expect(await storeAt(writtenAt + 3 * 3600_000).getPeer(roomId, 'exp')).toBeUndefined();
      expect(await storeAt(writtenAt).getPeer(roomId, 'exp')).toMatchObject({ connectionId: 'c' });
    });

    it('unbindPeer removes an expired binding without reporting it as a peer that left', async () => {
      const writtenAt = Date.now();
      const identity = { connectionId: 'c', roomId: newRoom(), peerId: 'exp' };
      await storeAt(writtenAt).bindPeer(identity);
      expect(await storeAt(writtenAt + 3 * 3600_000).unbindPeer(identity)).toBeUndefined();
      expect(await storeAt(writtenAt).getPeer(identity.roomId, 'exp')).toBeUndefined();
    });

    it('takePendingRequest ignores an expired request', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt).putPendingRequest({ roomId, targetConnectionId: 't', requestId: 5, method: 'm', state: {} });
      expect(await storeAt(writtenAt + 3600_000).takePendingRequest(roomId, 't', 5)).toBeUndefined();
    });
  });

  describe('pending server → client requests', () => {
    it('never overwrites a live request with the same id, but reuses an expired one', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      const request = { roomId, targetConnectionId: 't', requestId: 9, method: 'first', state: {} };
      await storeAt(writtenAt).putPendingRequest(request);
      await expect(storeAt(writtenAt).putPendingRequest({ ...request, method: 'second' })).rejects.toBeInstanceOf(RequestIdTakenError);
      await storeAt(writtenAt + 3600_000).putPendingRequest({ ...request, method: 'later' });
      expect((await storeAt(writtenAt + 3600_000).takePendingRequest(roomId, 't', 9))?.method).toBe('later');
    });

    it('is taken exactly once, by the answer or by the cleanup', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const pending = { roomId, targetConnectionId: 'target', requestId: 42, method: 'offer', state: { replyTo: { connectionId: 'o', requestId: 1 } } };
      await store.putPendingRequest(pending);
      const takes = await Promise.all([store.takePendingRequest(roomId, 'target', 42), store.takePendingRequest(roomId, 'target', 42)]);
      expect(takes.filter(Boolean)).toEqual([pending]);
    });

    it('lists the requests pending on one connection only, ignoring expired ones', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt - 3600_000).putPendingRequest({ roomId, targetConnectionId: 't1', requestId: 1, method: 'old', state: {} });
      const store = storeAt(writtenAt);
      await store.putPendingRequest({ roomId, targetConnectionId: 't1', requestId: 2, method: 'a', state: {} });
      await store.putPendingRequest({ roomId, targetConnectionId: 't10', requestId: 3, method: 'b', state: {} });
      const pending = await store.listPendingRequests(roomId, 't1');
      expect(pending.map((request) => request.requestId)).toEqual([2]);
    });
  });

  describe('roster', () => {
    it('orders simultaneous enrollments: the rosters returned nest, so each pair meets exactly once', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const peerIds = Array.from({ length: 20 }, (_, i) => `p${i}`);
      const rosters = await Promise.all(peerIds.map((peerId) => store.enroll({ connectionId: `c-${peerId}`, roomId, peerId })));
      // Sorted by size, each roster is the previous one plus exactly the enrolling peer.
      const bySize = rosters.map((roster, i) => ({ peerId: peerIds[i], ids: [...roster.keys()] })).sort((a, b) => a.ids.length - b.ids.length);
      bySize.forEach(({ peerId, ids }, index) => {
        expect(ids).toHaveLength(index + 1);
        expect(ids).toContain(peerId);
        if (index > 0) expect(ids).toEqual(expect.arrayContaining(bySize[index - 1].ids));
      });
      // For every pair, exactly one saw the other when enrolling.
      for (let a = 0; a < 20; a++) {
        for (let b = a + 1; b < 20; b++) {
          const aSawB = rosters[a].has(peerIds[b]);
          const bSawA = rosters[b].has(peerIds[a]);
          expect(aSawB !== bSawA).toBe(true);
        }
      }
    });

    it('refuses a second enrollment by the same connection, and a replacement until the old entry has left', async () => {
      const store = storeAt();
      const roomId = newRoom();
      await store.enroll({ connectionId: 'c1', roomId, peerId: 'zed' });
      await expect(store.enroll({ connectionId: 'c1', roomId, peerId: 'zed' })).rejects.toBeInstanceOf(AlreadyEnrolledError);
      // The old connection's entry names who must be ended first; nothing is overwritten.
      const stale = await store.enroll({ connectionId: 'c2', roomId, peerId: 'zed' }).catch((error) => error);
      expect(stale).toBeInstanceOf(StaleRosterEntryError);
      expect(stale.connectionId).toBe('c1');
      await store.leaveRoster({ connectionId: 'c1', roomId, peerId: 'zed' });
      const roster = await store.enroll({ connectionId: 'c2', roomId, peerId: 'zed' });
      expect(roster.get('zed')).toBe('c2');
    });

    it('holds exactly its capacity under simultaneous enrollments, writing nothing for the refused', async () => {
      const store = storeAt();
      const roomId = newRoom();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.enroll({ connectionId: `c${i}`, roomId, peerId: `p${i}` }, 5)),
      );
      const enrolled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(enrolled).toHaveLength(5);
      expect(refused.every((outcome) => (outcome as PromiseRejectedResult).reason instanceof RosterFullError)).toBe(true);
      expect((await store.getRoster(roomId)).size).toBe(5);
    });

    it('frees a place when a peer leaves, and only then', async () => {
      const store = storeAt();
      const roomId = newRoom();
      for (const peerId of ['a', 'b', 'c']) await store.enroll({ connectionId: `c-${peerId}`, roomId, peerId }, 3);
      await expect(store.enroll({ connectionId: 'c-d', roomId, peerId: 'd' }, 3)).rejects.toBeInstanceOf(RosterFullError);
      // A leave by a connection that is not enrolled changes nothing.
      expect(await store.leaveRoster({ connectionId: 'c-x', roomId, peerId: 'a' })).toBeUndefined();
      await expect(store.enroll({ connectionId: 'c-d', roomId, peerId: 'd' }, 3)).rejects.toBeInstanceOf(RosterFullError);
      await store.leaveRoster({ connectionId: 'c-a', roomId, peerId: 'a' });
      const roster = await store.enroll({ connectionId: 'c-d', roomId, peerId: 'd' }, 3);
      expect([...roster.keys()].sort()).toEqual(['b', 'c', 'd']);
    });

    it('does not count expired entries against the capacity', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt - 3 * 3600_000).enroll({ connectionId: 'c-gone', roomId, peerId: 'gone' }, 2);
      await storeAt(writtenAt).enroll({ connectionId: 'c-live', roomId, peerId: 'live' }, 2);
      const roster = await storeAt(writtenAt).enroll({ connectionId: 'c-new', roomId, peerId: 'new' }, 2);
      expect([...roster.keys()].sort()).toEqual(['live', 'new']);
      await expect(storeAt(writtenAt).enroll({ connectionId: 'c-more', roomId, peerId: 'more' }, 2)).rejects.toBeInstanceOf(RosterFullError);
    });

    it('reads the live roster in one GetItem', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt - 3 * 3600_000).enroll({ connectionId: 'c-old', roomId, peerId: 'old' });
      await storeAt(writtenAt).enroll({ connectionId: 'c-a', roomId, peerId: 'a' });
      expect([...(await storeAt(writtenAt).getRoster(roomId))]).toEqual([['a', 'c-a']]);
      expect((await storeAt(writtenAt).getRoster(newRoom())).size).toBe(0);
    });

    it('lets only the enrolling connection leave, returning who remains', async () => {
      const store = storeAt();
      const roomId = newRoom();
      await store.enroll({ connectionId: 'c1', roomId, peerId: 'a' });
      await store.enroll({ connectionId: 'c2', roomId, peerId: 'b' });
      expect(await store.leaveRoster({ connectionId: 'other', roomId, peerId: 'a' })).toBeUndefined();
      expect([...(await store.leaveRoster({ connectionId: 'c1', roomId, peerId: 'a' }))!]).toEqual([['b', 'c2']]);
      expect(await store.leaveRoster({ connectionId: 'c1', roomId, peerId: 'a' })).toBeUndefined();
      expect(await store.leaveRoster({ connectionId: 'c9', roomId: newRoom(), peerId: 'nobody' })).toBeUndefined();
    });

    it('reads peers and roster in one Query, ignoring expired roster entries', async () => {
      const writtenAt = Date.now();
      const roomId = newRoom();
      await storeAt(writtenAt - 3 * 3600_000).enroll({ connectionId: 'c-old', roomId, peerId: 'old' });
      const store = storeAt(writtenAt);
      await store.bindPeer({ connectionId: 'c-new', roomId, peerId: 'new' });
      await store.enroll({ connectionId: 'c-new', roomId, peerId: 'new' });
      await store.putPendingRequest({ roomId, targetConnectionId: 'c-new', requestId: 1, method: 'm', state: {} });
      const { peers, roster } = await store.listRoom(roomId);
      expect(peers.map((peer) => peer.peerId)).toEqual(['new']);
      expect([...roster]).toEqual([['new', 'c-new']]);
    });
  });

  describe('what it refuses to store', () => {
    it('refuses peer data and request states DynamoDB could not store, writing nothing', async () => {
      const store = storeAt();
      const identity = { connectionId: 'c', roomId: newRoom(), peerId: 'odd' };
      await expect(store.bindPeer(identity, { n: Number.NaN })).rejects.toBeInstanceOf(UnstorableDataError);
      expect(await store.getPeer(identity.roomId, 'odd')).toBeUndefined();
      await store.bindPeer(identity, { kept: true });
      await expect(store.updatePeerData(identity, 0, { big: 2 ** 60 })).rejects.toBeInstanceOf(UnstorableDataError);
      expect(await store.getPeer(identity.roomId, 'odd')).toMatchObject({ data: { kept: true }, version: 0 });
      const request = { roomId: identity.roomId, targetConnectionId: 'c', requestId: 1, method: 'm', state: { f: () => 1, deep: new Date() } };
      await expect(store.putPendingRequest(request as never)).rejects.toBeInstanceOf(UnstorableDataError);
    });

    it('stores data as JSON: undefined fields are left out', async () => {
      const store = storeAt();
      const identity = { connectionId: 'c', roomId: newRoom(), peerId: 'json' };
      await store.bindPeer(identity, { a: 1, gone: undefined, list: [1, 'two', null] });
      expect((await store.getPeer(identity.roomId, 'json'))?.data).toEqual({ a: 1, list: [1, 'two', null] });
    });
  });

  describe('keep-alive buckets', () => {
    /** `count` connection ids in `bucket`, unique to this call. */
    const idsIn = (bucket: number, count: number) => {
      const prefix = `k${++roomCounter}-${Math.random().toString(36).slice(2, 6)}-`;
      const ids: string[] = [];
      for (let i = 0; ids.length < count; i++) if (bucketOf(`${prefix}${i}`) === bucket) ids.push(`${prefix}${i}`);
      return ids;
    };
    const listAll = async (store: PeerStore, bucket: number, pageSize: number) => {
      const seen: string[] = [];
      let cursor: Record<string, unknown> | undefined;
      let pages = 0;
      do {
        const page = await store.listKeepAliveBucket(bucket, cursor, pageSize);
        seen.push(...page.connections.map((connection) => connection.connectionId));
        cursor = page.cursor;
        pages++;
      } while (cursor);
      return { seen, pages };
    };

    it('lists a bucket page by page, each live connection once, with its identity and connect time', async () => {
      const writtenAt = Date.now();
      const ids = idsIn(17, 12);
      for (const connectionId of ids) await storeAt(writtenAt).putConnection({ connectionId, roomId: 'r', peerId: connectionId });
      const { seen, pages } = await listAll(storeAt(writtenAt), 17, 5);
      expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBeGreaterThan(1);
      const first = (await storeAt(writtenAt).listKeepAliveBucket(17, undefined, 1000)).connections.find((c) => c.connectionId === ids[0]);
      expect(first).toEqual({ connectionId: ids[0], roomId: 'r', peerId: ids[0], connectedAt: writtenAt });
    });

    it('leaves out deleted and expired connections, and those of other buckets', async () => {
      const writtenAt = Date.now();
      const [live, deleted, expired] = idsIn(29, 3);
      const [elsewhere] = idsIn(30, 1);
      await storeAt(writtenAt).putConnection({ connectionId: live, roomId: 'r', peerId: 'live' });
      await storeAt(writtenAt).putConnection({ connectionId: deleted, roomId: 'r', peerId: 'deleted' });
      await storeAt(writtenAt).deleteConnection(deleted);
      await storeAt(writtenAt - 3 * 3600_000).putConnection({ connectionId: expired, roomId: 'r', peerId: 'expired' });
      await storeAt(writtenAt).putConnection({ connectionId: elsewhere, roomId: 'r', peerId: 'elsewhere' });
      const { seen } = await listAll(storeAt(writtenAt), 29, 100);
      expect(seen).toContain(live);
      expect(seen).not.toContain(deleted);
      expect(seen).not.toContain(expired);
      expect(seen).not.toContain(elsewhere);
    });
  });

  describe('binding under a replacement backoff', () => {
    const T = Date.now();
    it('refuses to replace a protected binding until its window ends, writing nothing meanwhile', async () => {
      const roomId = newRoom();
      const current = { connectionId: 'current', roomId, peerId: 'pat' };
      await storeAt(T).bindPeer(current, { mine: true });
      expect(await storeAt(T).protectBinding(current, { streak: 2, replaceableAfter: T + 8_000 })).toBe(true);

      const rival = { connectionId: 'rival', roomId, peerId: 'pat' };
      await expect(storeAt(T + 7_999).bindPeer(rival, { theirs: true })).rejects.toThrow(ReplacementRefusedError);
      expect(await storeAt(T + 7_999).getPeer(roomId, 'pat')).toMatchObject({
        connectionId: 'current',
        data: { mine: true },
        backoff: { streak: 2, replaceableAfter: T + 8_000 },
      });

      // Once the window ends the replacement goes through and returns the old backoff, for the next one's arithmetic.
      const replaced = await storeAt(T + 8_000).bindPeer(rival, { theirs: true });
      expect(replaced).toMatchObject({ connectionId: 'current', backoff: { streak: 2, replaceableAfter: T + 8_000 } });
      // The new binding starts unprotected.
      const now = await storeAt(T + 8_000).getPeer(roomId, 'pat');
      expect(now).toMatchObject({ connectionId: 'rival', data: { theirs: true } });
      expect(now).not.toHaveProperty('backoff');
    });

    it('an unprotected binding is replaced at once', async () => {
      const roomId = newRoom();
      await storeAt(T).bindPeer({ connectionId: 'first', roomId, peerId: 'quinn' });
      const replaced = await storeAt(T).bindPeer({ connectionId: 'second', roomId, peerId: 'quinn' });
      expect(replaced).toMatchObject({ connectionId: 'first' });
      expect(replaced).not.toHaveProperty('backoff');
    });

    it('the protected connection itself may bind again, and an expired protected binding is no obstacle', async () => {
      const roomId = newRoom();
      const me = { connectionId: 'me', roomId, peerId: 'rae' };
      await storeAt(T).bindPeer(me);
      await storeAt(T).protectBinding(me, { streak: 4, replaceableAfter: T + 120_000 });
      expect(await storeAt(T + 1).bindPeer(me)).toBeUndefined();

      const roomId2 = newRoom();
      const old = { connectionId: 'old', roomId: roomId2, peerId: 'sam' };
      await storeAt(T).bindPeer(old);
      await storeAt(T).protectBinding(old, { streak: 1, replaceableAfter: T + 3 * 3600_000 });
      // Past its TTL (2 h 10 min) the item is treated as absent, protection and all.
      expect(await storeAt(T + 3 * 3600_000 - 1).bindPeer({ connectionId: 'new', roomId: roomId2, peerId: 'sam' })).toBeUndefined();
    });

    it('protects only a binding its connection still owns, and never brings back a removed one', async () => {
      const roomId = newRoom();
      const late = { connectionId: 'late', roomId, peerId: 'tia' };
      await storeAt(T).bindPeer(late);
      await storeAt(T).bindPeer({ connectionId: 'newer', roomId, peerId: 'tia' });
      expect(await storeAt(T).protectBinding(late, { streak: 1, replaceableAfter: T + 2_000 })).toBe(false);
      expect((await storeAt(T).getPeer(roomId, 'tia'))?.backoff).toBeUndefined();

      const gone = { connectionId: 'gone', roomId, peerId: 'uma' };
      await storeAt(T).bindPeer(gone);
      await storeAt(T).unbindPeer(gone);
      expect(await storeAt(T).protectBinding(gone, { streak: 1, replaceableAfter: T + 2_000 })).toBe(false);
      expect(await storeAt(T).getPeer(roomId, 'uma')).toBeUndefined();
    });

    it('of racing replacements of a protected binding, none gets through and the holder keeps the peer', async () => {
      const roomId = newRoom();
      const holder = { connectionId: 'holder', roomId, peerId: 'val' };
      await storeAt(T).bindPeer(holder);
      await storeAt(T).protectBinding(holder, { streak: 1, replaceableAfter: T + 2_000 });
      const racers = Array.from({ length: 8 }, (_, i) => ({ connectionId: `racer-${i}`, roomId, peerId: 'val' }));
      const early = await Promise.allSettled(racers.map((racer) => storeAt(T + 1_000).bindPeer(racer)));
      expect(early.every((result) => result.status === 'rejected' && result.reason instanceof ReplacementRefusedError)).toBe(true);
      expect((await storeAt(T + 1_000).getPeer(roomId, 'val'))?.connectionId).toBe('holder');
    });
  });
}
