/**
 * The keep-alive schedule on the local stack, with an idle timeout short
 * enough to see several idle periods go by: silent, unmodified
 * protoo-clients stay connected, and a peer whose $disconnect never comes
 * is ended by the sweep within one interval — peerClosed announced, its
 * pending relayed request failed at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { freshRoom, once, openPeer, rejection, sleep, TestPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';

// The issue's own trial value: long enough that a loaded machine's late sweep still lands in the idle timeout's last 20 %.
const IDLE_TIMEOUT_MS = 4_000;

export function keepAliveSuite(engine: () => RunningEngine): void {
  describe('keep-alive and the dead-connection sweep', () => {
    const open: TestPeer[] = [];
    afterEach(() => {
      for (const p of open.splice(0)) p.close();
    });
    /** A joined peer and a record of every time its transport went down. */
    const joined = async (url: string, roomId: string, peerId: string) => {
      const p = await openPeer(url, roomId, peerId);
      open.push(p);
      const drops: string[] = [];
      p.peer.on('disconnected', () => drops.push('disconnected'));
      p.peer.on('close', () => drops.push('close'));
      await p.peer.request('join');
      return { p, drops };
    };

    describe(`with the schedule on (idle timeout ${IDLE_TIMEOUT_MS} ms)`, () => {
      const ctx = useStack(engine, { idleTimeoutMs: IDLE_TIMEOUT_MS, keepAlive: true });
      afterEach(() => {
        ctx().hooks.beforeInvoke = undefined;
      });

      it('keeps two silent protoo-clients connected across three idle periods, neither seeing the other leave', async () => {
        const { url, keepAlive } = ctx().stack;
        expect(keepAlive?.intervalMs).toBe(IDLE_TIMEOUT_MS * 0.8);
        const room = freshRoom('keep');
        const a = await joined(url, room, 'a');
        const b = await joined(url, room, 'b');
        await a.p.until(() => a.p.notifications.some((n) => n.method === 'newPeer'), 5_000, 'newPeer b');

        // Silence: nothing is sent by either client for three idle timeouts.
        await sleep(3 * IDLE_TIMEOUT_MS);

        expect(a.drops).toEqual([]);
        expect(b.drops).toEqual([]);
        for (const { p } of [a, b]) {
          expect(p.peer.connected).toBe(true);
          expect(p.notifications.filter((n) => n.method === 'peerClosed')).toEqual([]);
          // One keep-alive per interval: 3 idle periods hold 3¾ intervals.
          expect(p.notifications.filter((n) => n.method === 'serverKeepAlive').length).toBeGreaterThanOrEqual(3);
        }
        expect(await a.p.peer.request('getPeers')).toEqual({ peers: [{ id: 'b', data: {} }] });
      });

      it('ends a peer whose $disconnect was dropped within one interval: peerClosed to the room, its pending request failed at once', async () => {
        const { url, keepAlive } = ctx().stack;
        const room = freshRoom('dropped');
        const a = await joined(url, room, 'a');
        const b = await joined(url, room, 'b');
        await a.p.until(() => a.p.notifications.some((n) => n.method === 'newPeer'), 5_000, 'newPeer b');

        // b takes a's request and never answers; then it vanishes and AWS never sends its $disconnect.
        b.p.onRequest = () => {};
        const pending = rejection(a.p.peer.request('peerRequest', { peerId: 'b', method: 'offer', data: {} }));
        await b.p.until(() => b.p.requests.length > 0, 5_000, 'the relayed request');
        ctx().hooks.beforeInvoke = (route) => {
          if (route === '$disconnect') throw new Error('dropped $disconnect');
        };
        const vanishedAt = Date.now();
        b.p.close();

        const closed = await a.p.until(() => a.p.notifications.find((n) => n.method === 'peerClosed'), 3 * keepAlive!.intervalMs, 'peerClosed b');
        const endedAfterMs = Date.now() - vanishedAt;
        expect(closed.data).toEqual({ peerId: 'b' });
        // One interval, plus a tick's lateness and the sweep's own work.
        expect(endedAfterMs).toBeLessThan(keepAlive!.intervalMs + 2 * keepAlive!.tickMs + 1_000);
        const error = await pending;
        expect(error.code).toBe(410);
        expect(Date.now() - vanishedAt).toBeLessThan(endedAfterMs + 1_000);

        // And a new request to it is refused at once, not left to time out.
        const startedAt = Date.now();
        const refused = await rejection(a.p.peer.request('peerRequest', { peerId: 'b', method: 'offer', data: {} }));
        expect(refused.code).toBeGreaterThanOrEqual(400);
        expect(Date.now() - startedAt).toBeLessThan(2_000);
        expect(await a.p.peer.request('getPeers')).toEqual({ peers: [] });
      });
    });

    describe('with the schedule off (the control: the idle timeout is real)', () => {
      const ctx = useStack(engine, { idleTimeoutMs: IDLE_TIMEOUT_MS, keepAlive: false });

      it('a silent protoo-client is disconnected by the idle timeout', async () => {
        expect(ctx().stack.keepAlive).toBeUndefined();
        const a = await joined(ctx().stack.url, freshRoom('idle'), 'a');
        await once(a.p.peer, 'disconnected', 3 * IDLE_TIMEOUT_MS);
        expect(a.drops[0]).toBe('disconnected');
      });
    });
  });
}
