/**
 * The default room-relay app (lambda/entry.ts, the handlers cdk deploy
 * ships) driven by real protoo-client peers through the local stack: every
 * row of the protocol, both directions of request, notifications, room
 * isolation, leaving, replacement, junk and load.
 *
 * No fixed sleeps: the handlers are lambda/entry.ts's, wrapped to tell the
 * tests when an invocation has returned (tracked-handlers.ts), and a test
 * that checks nothing more happens waits for that event and then for the
 * stack to settle.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import {
  barrier,
  createPeer,
  freshRoom,
  gate,
  handshakeStatus,
  once,
  openPeer,
  rejection,
  releaseAllGates,
  TestPeer,
  within,
} from './support/protoo.js';
import { useStack } from './support/stack.js';
import { trackModule } from './support/tracked-handlers.js';

/** Resolves once `done()` holds, re-checked each time `emitter` emits one of `events`. */
function when(emitter: EventEmitter, events: string[], done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done()) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out: ${what}`));
    }, timeoutMs);
    const stop = () => {
      clearTimeout(timer);
      for (const event of events) emitter.off(event, check);
    };
    for (const event of events) emitter.on(event, check);
    check();
  });
}

export function roomRelaySuite(engine: () => RunningEngine): void {
  describe('room relay (lambda/entry.ts) with protoo-client peers', () => {
    // lambda/entry.ts, as the stack would load it, told when each invocation returns.
    const tracked = trackModule();
    const ctx = useStack(engine, { handlers: tracked.handlers });
    const open: TestPeer[] = [];
    const peer = async (roomId: string, peerId: string, url = ctx().stack.url) => {
      const p = await openPeer(url, roomId, peerId);
      open.push(p);
      return p;
    };
    /** Relaying needs a joined sender and a joined target. */
    const joinedPeer = async (roomId: string, peerId: string) => {
      const p = await peer(roomId, peerId);
      await p.peer.request('join');
      return p;
    };
    afterEach(() => {
      for (const p of open.splice(0)) p.close();
      ctx().hooks.beforeInvoke = undefined;
      ctx().hooks.beforeHandshake = undefined;
      releaseAllGates();
    });
    /** The query of a $connect event is this room's `peerId`. */
    const isConnectOf = (event: { queryStringParameters?: Record<string, string | undefined> | null }, roomId: string, peerId: string) =>
      event.queryStringParameters?.roomId === roomId && event.queryStringParameters?.peerId === peerId;

    describe('connecting', () => {
      it('accepts protoo-client on the stage URL and on the root URL', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a', ctx().stack.url);
        const b = await peer(room, 'b', ctx().stack.rootUrl);
        expect(a.peer.connected && b.peer.connected).toBe(true);
        expect(await a.peer.request('getPeers')).toEqual({ peers: [] });
      });

      it('refuses a client that does not offer the protoo subprotocol, and invalid ids with 400', async () => {
        const { url } = ctx().stack;
        const status = handshakeStatus;
        expect([400, 403]).toContain(await status(`${url}?roomId=r&peerId=p`));
        expect(await status(`${url}?roomId=r&peerId=bad%20id`, 'protoo')).toBe(400);
        expect(await status(`${url}?roomId=${'x'.repeat(65)}&peerId=p`, 'protoo')).toBe(400);
        expect(await status(`${url}?peerId=p`, 'protoo')).toBe(400);
      });
    });

    describe('join / getPeers', () => {
      it('join answers the other joined peers, announces newPeer to them, and a second join is 409', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        const b = await peer(room, 'b');
        expect(await a.peer.request('join', { data: { name: 'Alice' } })).toEqual({ peers: [] });
        expect(await b.peer.request('join', { data: { name: 'Bob' } })).toEqual({ peers: [{ id: 'a', data: { name: 'Alice' } }] });
        const newPeer = await a.notification('newPeer');
        expect(newPeer.data).toEqual({ id: 'b', data: { name: 'Bob' } });
        // b is not told about itself
        await ctx().stack.settled();
        expect(b.notifications.filter((n) => n.method === 'newPeer')).toEqual([]);

        const again = await rejection(a.peer.request('join', { data: {} }));
        expect(again.code).toBe(409);
      });

      it('join without data joins with {}; join data that is not an object is 400', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        expect((await rejection(a.peer.request('join', { data: 'nope' }))).code).toBe(400);
        expect(await a.peer.request('join')).toEqual({ peers: [] });
        const b = await peer(room, 'b');
        expect(await b.peer.request('join', {})).toEqual({ peers: [{ id: 'a', data: {} }] });
      });

      it('getPeers lists joined peers other than the caller, not peers that only connected', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        const b = await peer(room, 'b');
        await peer(room, 'lurker');
        await a.peer.request('join', { data: { n: 1 } });
        await b.peer.request('join', { data: { n: 2 } });
        expect(await a.peer.request('getPeers')).toEqual({ peers: [{ id: 'b', data: { n: 2 } }] });
        const peers = (await b.peer.request('getPeers')).peers;
        expect(peers).toEqual([{ id: 'a', data: { n: 1 } }]);
      });
    });

    describe('peerRequest (client → server → other client, and back)', () => {
      it('relays a request to the target and its accept data back to the caller', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        b.onRequest = (request, accept) => accept({ answer: 'sdp-answer', echoed: request.data });
        const response = await a.peer.request('peerRequest', { peerId: 'b', method: 'offer', data: { sdp: 'sdp-offer' } });
        expect(b.requests).toHaveLength(1);
        expect(b.requests[0]!.method).toBe('offer');
        expect(b.requests[0]!.data).toEqual({ from: 'a', data: { sdp: 'sdp-offer' } });
        expect(response).toEqual({ answer: 'sdp-answer', echoed: { from: 'a', data: { sdp: 'sdp-offer' } } });
      });

      it("relays the target's reject with the same code and reason", async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        b.onRequest = (_r, _accept, reject) => reject(488, 'Not Acceptable Here');
        const error = await rejection(a.peer.request('peerRequest', { peerId: 'b', method: 'offer' }));
        expect(error.code).toBe(488);
        expect(error.message).toBe('Not Acceptable Here');
      });

      it('a target whose request handler throws answers 500 with the error, relayed to the caller', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        b.onRequest = () => {
          throw new Error('BOOM!!!');
        };
        const error = await rejection(a.peer.request('peerRequest', { peerId: 'b', method: 'offer', data: {} }));
        expect(error.code).toBe(500);
        expect(error.message).toMatch(/BOOM!!!/);
      });

      type Accept = (data?: unknown) => void;
      type Reject = (...args: unknown[]) => void;
      // What protoo-client 4 sends for each accept()/reject() call (see its Peer._handleRequest):
      // none of these may be dropped, or the caller waits out its ~22 s timeout.
      const answers: Array<[string, (accept: Accept, reject: Reject) => void, { data: unknown } | { code: number; reason: string }]> = [
        ['reject()', (_a, reject) => reject(), { code: 500, reason: 'request rejected' }],
        ["reject('busy')", (_a, reject) => reject('busy'), { code: 500, reason: 'busy' }],
        ["reject('E_BUSY', 'server busy')", (_a, reject) => reject('E_BUSY', 'server busy'), { code: 500, reason: 'server busy' }],
        ["reject(new Error('x'))", (_a, reject) => reject(new Error('x')), { code: 500, reason: 'x' }],
        ["accept('str')", (accept) => accept('str'), { data: 'str' }],
        ['accept([1, 2])', (accept) => accept([1, 2]), { data: [1, 2] }],
        ['accept(42)', (accept) => accept(42), { data: 42 }],
        ['accept()', (accept) => accept(), { data: {} }],
      ];
      it.each(answers)('the target answering %s reaches the caller promptly, as sent', async (_name, answer, expected) => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        b.onRequest = (_r, accept, reject) => answer(accept, reject as Reject);
        const started = Date.now();
        const outcome = await within(
          a.peer.request('peerRequest', { peerId: 'b', method: 'x' }).then(
            (data) => ({ data }),
            (error) => ({ code: error.code, reason: error.message }),
          ),
          5000,
        );
        expect(outcome).toEqual(expected);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(b.requests).toHaveLength(1);
      });

      it('data defaults to {} and the request goes both ways', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        a.onRequest = (r, accept) => accept({ to: 'b', got: r.data });
        b.onRequest = (r, accept) => accept({ to: 'a', got: r.data });
        expect(await a.peer.request('peerRequest', { peerId: 'b', method: 'ping' })).toEqual({ to: 'a', got: { from: 'a', data: {} } });
        expect(await b.peer.request('peerRequest', { peerId: 'a', method: 'pong' })).toEqual({ to: 'b', got: { from: 'b', data: {} } });
      });

      it('an unknown target is 404 and wrong types are 400', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        expect((await rejection(a.peer.request('peerRequest', { peerId: 'nobody', method: 'x' }))).code).toBe(404);
        expect((await rejection(a.peer.request('peerRequest', { peerId: 5, method: 'x' }))).code).toBe(400);
        expect((await rejection(a.peer.request('peerRequest', { peerId: 'a', method: 7 }))).code).toBe(400);
        expect((await rejection(a.peer.request('peerRequest', { peerId: 'a' }))).code).toBe(400);
        expect((await rejection(a.peer.request('peerRequest', { peerId: 'a', method: 'x', data: [1] }))).code).toBe(400);
      });

      it('only the target can answer: a response from another connection with the same id is ignored, and only one of two answers is relayed', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        const spoofer = new WebSocket(`${ctx().stack.url}?roomId=${room}&peerId=mallory`, 'protoo');
        await once(spoofer, 'open');
        let answerNow!: () => void;
        const answered = new Promise<void>((r) => (answerNow = r));
        b.onRequest = (request, accept) => {
          // Mallory answers b's request id first; once the server has handled that, b answers twice.
          const spoof = JSON.stringify({ response: true, id: request.id, ok: true, data: { spoofed: true } });
          const spoofHandled = tracked.returned('message', (event) => event.body === spoof);
          spoofer.send(spoof);
          void spoofHandled.then(() => {
            accept({ from: 'b', first: true });
            accept({ from: 'b', first: false });
            answerNow();
          });
        };
        const response = await a.peer.request('peerRequest', { peerId: 'b', method: 'q' });
        await answered;
        // Never Mallory's. Which of b's two answers wins is not defined: like Lambda on AWS, the
        // emulator handles two messages of one connection concurrently, in no guaranteed order.
        expect(response).toMatchObject({ from: 'b' });
        await ctx().stack.settled();
        // Everyone still works.
        expect((await a.peer.request('getPeers')).peers).toEqual([{ id: 'b', data: {} }]);
        b.onRequest = (_r, accept) => accept({ again: true });
        expect(await a.peer.request('peerRequest', { peerId: 'b', method: 'q2' })).toEqual({ again: true });
        spoofer.close();
      });

      it('the caller leaving before the target answers leaves the target unharmed', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        const c = await joinedPeer(room, 'c');
        let answer!: (data: unknown) => void;
        b.onRequest = (_r, accept) => (answer = accept);
        void a.peer.request('peerRequest', { peerId: 'b', method: 'slow' }).catch(() => {});
        await b.request('slow');
        const aGone = tracked.disconnectOf(room, 'a');
        a.close();
        await aGone; // the caller has left the room
        const lateAnswerHandled = tracked.returned('message', (event) => event.body?.includes('"too":"late"') === true);
        answer({ too: 'late' });
        await lateAnswerHandled;
        await ctx().stack.settled(); // and whatever it sent has arrived
        expect(b.peer.connected).toBe(true);
        b.onRequest = (_r, accept) => accept({ ok: 'b' });
        expect(await c.peer.request('peerRequest', { peerId: 'b', method: 'still-there' })).toEqual({ ok: 'b' });
      });

      it('the target leaving before it answers fails the pending request within 5 s', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        b.onRequest = () => {}; // never answers
        const pending = rejection(a.peer.request('peerRequest', { peerId: 'b', method: 'offer' }));
        await b.request('offer');
        const started = Date.now();
        b.close();
        const error = await pending;
        expect(Date.now() - started).toBeLessThan(5000);
        expect(error.message).not.toBe('request timeout');
        expect(typeof error.code).toBe('number');
        expect(error.code).toBeGreaterThanOrEqual(400);
      });
      it('the target vanishing without a $disconnect: the pending request fails once a post to the target meets Gone', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        const c = await joinedPeer(room, 'c');
        b.onRequest = () => {}; // never answers
        let settled = false;
        const pending = rejection(a.peer.request('peerRequest', { peerId: 'b', method: 'offer' })).finally(() => (settled = true));
        await b.request('offer');
        let dropped!: () => void;
        const disconnectDropped = new Promise<void>((resolve) => (dropped = resolve));
        ctx().hooks.beforeInvoke = (route) => {
          if (route === '$disconnect') {
            dropped();
            throw new Error('dropped by the test, as AWS may');
          }
        };
        b.close();
        await disconnectDropped; // the server has seen b go
        await ctx().stack.settled();
        // Nothing has noticed yet: no answer can come (only protoo-client's ~22 s timeout would).
        expect(settled).toBe(false);
        // The next post to b (anyone's) meets 410 Gone: b is gone, its pending request fails.
        expect(await c.peer.request('peerNotify', { peerId: 'b', method: 'anyone?' })).toEqual({ delivered: 0 });
        const error = await within(pending, 5000);
        expect(error.message).not.toBe('request timeout');
        expect(error.code).toBeGreaterThanOrEqual(400);
      });
    });

    describe('peerNotify', () => {
      it('notifies one target with {from, data} and answers {delivered: 1}', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        const c = await joinedPeer(room, 'c');
        expect(await a.peer.request('peerNotify', { peerId: 'b', method: 'chat', data: { text: 'hi b' } })).toEqual({ delivered: 1 });
        expect((await b.notification('chat')).data).toEqual({ from: 'a', data: { text: 'hi b' } });
        await ctx().stack.settled();
        expect(c.notifications.filter((n) => n.method === 'chat')).toEqual([]);
        expect(a.notifications.filter((n) => n.method === 'chat')).toEqual([]);
      });

      it('without peerId notifies every other joined peer, and answers how many', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        const b = await joinedPeer(room, 'b');
        const c = await joinedPeer(room, 'c');
        const lurker = await peer(room, 'lurker');
        expect(await a.peer.request('peerNotify', { method: 'shout', data: { v: 1 } })).toEqual({ delivered: 2 });
        for (const p of [b, c]) expect((await p.notification('shout')).data).toEqual({ from: 'a', data: { v: 1 } });
        await ctx().stack.settled();
        expect(a.notifications.filter((n) => n.method === 'shout')).toEqual([]);
        expect(lurker.notifications).toEqual([]);
      });

      it('an unknown target is 404; wrong types are 400; an unknown method is 404', async () => {
        const room = freshRoom();
        const a = await joinedPeer(room, 'a');
        expect((await rejection(a.peer.request('peerNotify', { peerId: 'ghost', method: 'x' }))).code).toBe(404);
        expect((await rejection(a.peer.request('peerNotify', { method: 3 }))).code).toBe(400);
        expect((await rejection(a.peer.request('peerNotify', { peerId: 9, method: 'x' }))).code).toBe(400);
        expect((await rejection(a.peer.request('peerNotify', { method: 'x', data: 'str' }))).code).toBe(400);
        expect((await rejection(a.peer.request('noSuchMethod', {}))).code).toBe(404);
      });

      it("peerNotify may not forge the server's own notifications: newPeer, peerClosed and peerReplaced are 400 and reach nobody", async () => {
        const room = freshRoom();
        const victim = await joinedPeer(room, 'victim');
        const a = await joinedPeer(room, 'a');
        await victim.notification('newPeer', (n) => n.data.id === 'a');
        const before = victim.notifications.length;
        for (const method of ['newPeer', 'peerClosed', 'peerReplaced']) {
          const targeted = await rejection(a.peer.request('peerNotify', { peerId: 'victim', method, data: { peerId: 'victim', id: 'ghost' } }));
          expect(targeted.code, `targeted ${method}`).toBe(400);
          const broadcast = await rejection(a.peer.request('peerNotify', { method, data: { peerId: 'victim', id: 'ghost' } }));
          expect(broadcast.code, `broadcast ${method}`).toBe(400);
        }
        await ctx().stack.settled();
        expect(victim.notifications.slice(before)).toEqual([]);
        expect(victim.peer.connected).toBe(true);
        // The same channel still carries an ordinary notification (so the silence above means something).
        expect(await a.peer.request('peerNotify', { peerId: 'victim', method: 'chat', data: { t: 1 } })).toEqual({ delivered: 1 });
        expect((await victim.notification('chat')).data).toEqual({ from: 'a', data: { t: 1 } });
        expect(await a.peer.request('getPeers')).toEqual({ peers: [{ id: 'victim', data: {} }] });
      });

      it('a relayed payload that would exceed 128 KB is answered with 413, not lost silently', async () => {
        const room = freshRoom();
        // A 64-character sender id makes the relayed notification ~35 bytes longer than the
        // request that carries it, so the request fits in 128 KB and the relay does not.
        const sender = 's'.repeat(64);
        const a = await joinedPeer(room, sender);
        const b = await joinedPeer(room, 'b');
        const request = (blob: string) => JSON.stringify({ request: true, id: 9999999, method: 'peerNotify', data: { peerId: 'b', method: 'm', data: { blob } } });
        const relayed = (blob: string) => JSON.stringify({ notification: true, method: 'm', data: { from: sender, data: { blob } } });
        const blob = 'x'.repeat(128 * 1024 - request('').length);
        expect(request(blob).length).toBeLessThanOrEqual(128 * 1024);
        expect(relayed(blob).length).toBeGreaterThan(128 * 1024);
        const error = await rejection(a.peer.request('peerNotify', { peerId: 'b', method: 'm', data: { blob } }));
        expect(error.code).toBe(413);
        await ctx().stack.settled();
        expect(b.notifications).toEqual([]);
        // Both peers are still fine.
        expect(await a.peer.request('peerNotify', { peerId: 'b', method: 'small' })).toEqual({ delivered: 1 });
        await b.notification('small');
      });

      it('client notifications are ignored and break nothing', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        const b = await peer(room, 'b');
        await a.peer.notify('whatever', { x: 1 });
        await ctx().stack.settled();
        expect(await a.peer.request('getPeers')).toEqual({ peers: [] });
        expect(b.notifications).toEqual([]);
      });
    });

    describe('rooms and leaving', () => {
      it('rooms are isolated: same peer ids in two rooms never see each other', async () => {
        const r1 = freshRoom();
        const r2 = freshRoom();
        const a1 = await peer(r1, 'a');
        const b1 = await peer(r1, 'b');
        const a2 = await peer(r2, 'a');
        const b2 = await peer(r2, 'b');
        await a1.peer.request('join', { data: { room: 1 } });
        await a2.peer.request('join', { data: { room: 2 } });
        expect(await b1.peer.request('join')).toEqual({ peers: [{ id: 'a', data: { room: 1 } }] });
        expect(await b2.peer.request('join')).toEqual({ peers: [{ id: 'a', data: { room: 2 } }] });
        b1.onRequest = (_r, accept) => accept({ room: 1 });
        b2.onRequest = (_r, accept) => accept({ room: 2 });
        expect(await a1.peer.request('peerRequest', { peerId: 'b', method: 'q' })).toEqual({ room: 1 });
        expect(await a2.peer.request('peerRequest', { peerId: 'b', method: 'q' })).toEqual({ room: 2 });
        await a1.peer.request('peerNotify', { method: 'only-room-1' });
        await b1.notification('only-room-1');
        await ctx().stack.settled();
        expect(b2.notifications.some((n) => n.method === 'only-room-1')).toBe(false);
        expect(a2.notifications.filter((n) => n.method === 'newPeer').map((n) => n.data)).toEqual([{ id: 'b', data: {} }]);
      });

      it('a joined peer that leaves is announced with peerClosed to the other joined peers', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        const b = await peer(room, 'b');
        const lurker = await peer(room, 'lurker');
        await a.peer.request('join');
        await b.peer.request('join');
        b.close();
        expect((await a.notification('peerClosed')).data).toEqual({ peerId: 'b' });
        expect(await a.peer.request('getPeers')).toEqual({ peers: [] });
        await ctx().stack.settled();
        expect(lurker.notifications.some((n) => n.method === 'peerClosed')).toBe(false);
        // A peer that never joined leaves silently.
        const lurkerGone = tracked.disconnectOf(room, 'lurker');
        lurker.close();
        await lurkerGone;
        await ctx().stack.settled();
        expect(a.notifications.filter((n) => n.method === 'peerClosed')).toHaveLength(1);
      });

      it('a new connection with the same peerId replaces the old one: old closed, one peer left, peerClosed announced', async () => {
        const room = freshRoom();
        const watcher = await peer(room, 'w');
        await watcher.peer.request('join');
        const old = await peer(room, 'a');
        await old.peer.request('join', { data: { v: 'old' } });
        await watcher.notification('newPeer', (n) => n.data.id === 'a');
        // An unmodified protoo-client reconnects after any close but 4000, which API Gateway
        // cannot send; an app stops it on 'peerReplaced' (or 'disconnected').
        old.peer.on('disconnected', () => old.close());
        const oldClosed = once(old.peer, 'disconnected');

        const replacement = await peer(room, 'a');
        await oldClosed;
        expect((await old.notification('peerReplaced')).data).toEqual({ peerId: 'a' });
        expect((await watcher.notification('peerClosed')).data).toEqual({ peerId: 'a' });
        expect(await watcher.peer.request('getPeers')).toEqual({ peers: [] });
        expect(await replacement.peer.request('join', { data: { v: 'new' } })).toEqual({ peers: [{ id: 'w', data: {} }] });
        expect(await watcher.peer.request('getPeers')).toEqual({ peers: [{ id: 'a', data: { v: 'new' } }] });
        replacement.onRequest = (_r, accept) => accept({ from: 'replacement' });
        expect(await watcher.peer.request('peerRequest', { peerId: 'a', method: 'who' })).toEqual({ from: 'replacement' });
      });

      it('a $disconnect that never arrives: the next delivery finds the connection Gone and announces peerClosed', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        const b = await peer(room, 'b');
        await a.peer.request('join');
        await b.peer.request('join');
        // API Gateway's $disconnect is best effort: drop it (a rejected hook skips the invocation).
        let dropped = 0;
        let firstDropped!: () => void;
        const disconnectDropped = new Promise<void>((resolve) => (firstDropped = resolve));
        ctx().hooks.beforeInvoke = (route) => {
          if (route === '$disconnect') {
            dropped++;
            firstDropped();
            throw new Error('dropped by the test, as AWS may');
          }
        };
        b.close();
        await disconnectDropped;
        await ctx().stack.settled();
        expect(dropped).toBe(1);
        // Nobody has told the room yet: b still looks joined.
        expect((await a.peer.request('getPeers')).peers.map((p: { id: string }) => p.id)).toEqual(['b']);
        // Delivering to b meets 410 GoneException; the runtime treats b as closed.
        expect(await a.peer.request('peerNotify', { peerId: 'b', method: 'anyone?' })).toEqual({ delivered: 0 });
        expect((await a.notification('peerClosed')).data).toEqual({ peerId: 'b' });
        expect(await a.peer.request('getPeers')).toEqual({ peers: [] });
      });

      it('a late $disconnect of the replaced connection does not remove the new one', async () => {
        const room = freshRoom();
        const { hooks } = ctx();
        const watcher = await peer(room, 'w');
        await watcher.peer.request('join');
        const old = await peer(room, 'a');
        await old.peer.request('join');

        // Hold back every $disconnect in this room's old connection until the replacement has joined.
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const held: string[] = [];
        hooks.beforeInvoke = async (route, event) => {
          if (route === '$disconnect') {
            held.push(event.requestContext.connectionId);
            await released;
          }
        };
        old.peer.on('disconnected', () => old.close());
        const oldClosed = once(old.peer, 'close');
        const replacement = await peer(room, 'a');
        await oldClosed;
        await replacement.peer.request('join', { data: { v: 'new' } });
        await watcher.notification('newPeer', (n) => n.data.data?.v === 'new');
        expect(held.length).toBeGreaterThanOrEqual(1);

        const lateDisconnects = Promise.all(held.map((connectionId) => tracked.disconnected(connectionId)));
        release();
        await lateDisconnects; // the late $disconnect has run
        await ctx().stack.settled();
        expect(await watcher.peer.request('getPeers')).toEqual({ peers: [{ id: 'a', data: { v: 'new' } }] });
        replacement.onRequest = (_r, accept) => accept({ still: 'here' });
        expect(await watcher.peer.request('peerRequest', { peerId: 'a', method: 'alive?' })).toEqual({ still: 'here' });
        // Exactly one peerClosed for 'a' (the replacement), none from the late $disconnect.
        expect(watcher.notifications.filter((n) => n.method === 'peerClosed')).toHaveLength(1);
        expect(await replacement.peer.request('getPeers')).toEqual({ peers: [{ id: 'w', data: {} }] });
      });
    });

    describe('between $connect and the handshake (API Gateway answers 410 to posts there)', () => {
      it('a peer still inside its $connect is no relay target yet (404), is kept, and once open it joins and works', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        await a.peer.request('join');
        const held = gate();
        ctx().hooks.beforeHandshake = (event) => (isConnectOf(event, room, 'b') ? held.wait() : undefined);
        const opening = openPeer(ctx().stack.url, room, 'b');
        await held.reached; // b's $connect has returned (b is bound); its handshake is not complete

        // It cannot have joined yet, so it is no relay target: 404 at once, not protoo-client's timeout.
        expect((await rejection(a.peer.request('peerNotify', { peerId: 'b', method: 'hi' }))).code).toBe(404);
        const early = await rejection(within(a.peer.request('peerRequest', { peerId: 'b', method: 'q' }), 5000));
        expect(early.code).toBe(404);

        held.release();
        const b = await opening;
        open.push(b);
        expect(await b.peer.request('join', { data: { n: 'b' } })).toEqual({ peers: [{ id: 'a', data: {} }] });
        expect((await a.notification('newPeer', (n) => n.data.id === 'b')).data).toEqual({ id: 'b', data: { n: 'b' } });
        b.onRequest = (_r, accept) => accept({ hello: 'from b' });
        expect(await a.peer.request('peerRequest', { peerId: 'b', method: 'q' })).toEqual({ hello: 'from b' });
        expect(await a.peer.request('peerNotify', { peerId: 'b', method: 'hi' })).toEqual({ delivered: 1 });
        expect((await b.notification('hi')).data).toEqual({ from: 'a', data: {} });
        // Nothing posted while it was connecting arrived later, and nobody was told it closed.
        expect(b.notifications.map((n) => n.method)).toEqual(['hi']);
        expect(b.requests.map((r) => r.method)).toEqual(['q']);
        expect(a.notifications.filter((n) => n.method === 'peerClosed')).toEqual([]);
        expect(b.peer.connected).toBe(true);
      });

      it('a connection replaced while still inside its $connect gets 403 at its first request and is closed; protoo-client reconnects and ends as the one working peer', async () => {
        const room = freshRoom();
        const watcher = await peer(room, 'w');
        await watcher.peer.request('join');
        // Hold the handshake of the first connection for p only.
        const held = gate();
        let connectsOfP = 0;
        ctx().hooks.beforeHandshake = (event) => (isConnectOf(event, room, 'p') && connectsOfP++ === 0 ? held.wait() : undefined);
        const first = new TestPeer(createPeer(`${ctx().stack.url}?roomId=${room}&peerId=p`), 'p');
        open.push(first);
        await held.reached;

        // A second connection for p completes first: it replaces the first, which cannot be closed yet (410).
        const second = await peer(room, 'p');
        second.peer.on('disconnected', () => second.close()); // an app stops when replaced
        const secondClosed = once(second.peer, 'close');
        expect(await second.peer.request('join', { data: { v: 'second' } })).toEqual({ peers: [{ id: 'w', data: {} }] });
        await watcher.notification('newPeer', (n) => n.data.data?.v === 'second');

        held.release();
        await once(first.peer, 'open');
        const disconnected = once(first.peer, 'disconnected', 5000);
        const reopened = once(first.peer, 'open', 10_000);
        const unknown = await rejection(within(first.peer.request('join', { data: { v: 'first' } }), 5000));
        expect(unknown.code).toBe(403);
        await disconnected; // closed by the server, not left open with an identity nobody knows
        await reopened; // protoo-client reconnected by itself, with a fresh $connect that binds p again
        expect(await first.peer.request('join', { data: { v: 'first' } })).toEqual({ peers: [{ id: 'w', data: {} }] });
        await secondClosed;

        expect(await watcher.peer.request('getPeers')).toEqual({ peers: [{ id: 'p', data: { v: 'first' } }] });
        first.onRequest = (_r, accept) => accept({ me: 'first' });
        expect(await watcher.peer.request('peerRequest', { peerId: 'p', method: 'who' })).toEqual({ me: 'first' });
        expect(second.requests).toEqual([]);
      });

      it('two connections with one peerId racing their $connects: exactly one working peer, the other connection is closed', async () => {
        const room = freshRoom();
        const watcher = await peer(room, 'w');
        await watcher.peer.request('join');
        // Both $connects run at the same moment, and both return before either handshake completes.
        // (Not a barrier of two handshakes: one $connect may be refused, 429 contested, and never reach its handshake.)
        const connects = barrier(2);
        const bothConnectsReturned = tracked.returned('connect', (event) => isConnectOf(event, room, 'p'), 2);
        ctx().hooks.beforeInvoke = (route, event) => (route === '$connect' && isConnectOf(event, room, 'p') ? connects.arrive() : undefined);
        ctx().hooks.beforeHandshake = (event) => (isConnectOf(event, room, 'p') ? bothConnectsReturned : undefined);
        const url = `${ctx().stack.url}?roomId=${room}&peerId=p`;
        const changes = new EventEmitter();
        const sockets = [0, 1].map(() => {
          const ws = new WebSocket(url, 'protoo');
          const state = { ws, opened: false, closed: false, responses: [] as any[], notifications: [] as any[] };
          ws.on('open', () => {
            state.opened = true;
            changes.emit('change');
          });
          ws.on('close', () => {
            state.closed = true;
            changes.emit('change');
          });
          ws.on('error', () => {});
          ws.on('message', (data) => {
            const message = JSON.parse(data.toString());
            (message.response ? state.responses : state.notifications).push(message);
            changes.emit('change');
          });
          return state;
        });
        /** Resolves once `done()` holds, re-checked at every open, close and message of either socket. */
        const settle = (done: () => boolean, what: string) => when(changes, ['change'], done, what);
        await settle(() => sockets.every((s) => s.opened || s.closed), 'both handshakes to finish');
        ctx().hooks.beforeInvoke = undefined;
        ctx().hooks.beforeHandshake = undefined;

        // What every protoo app does once open: join.
        for (const s of sockets) if (s.opened && !s.closed) s.ws.send(JSON.stringify({ request: true, id: 1, method: 'join', data: { data: {} } }));
        await settle(() => sockets.every((s) => s.closed || s.responses.length > 0), 'an answer or a close on each connection');
        await ctx().stack.settled();

        const working = sockets.filter((s) => !s.closed);
        expect(working).toHaveLength(1);
        const winner = working[0]!;
        const loser = sockets.find((s) => s !== winner)!;
        expect(winner.responses).toEqual([{ response: true, id: 1, ok: true, data: { peers: [{ id: 'w', data: {} }] } }]);
        // The loser never joined: refused at the handshake, closed when replaced, or told 403 and closed.
        for (const response of loser.responses) expect(response).toMatchObject({ id: 1, ok: false, errorCode: 403 });
        expect(loser.closed).toBe(true);

        expect(await watcher.peer.request('getPeers')).toEqual({ peers: [{ id: 'p', data: {} }] });
        expect(await watcher.peer.request('peerNotify', { peerId: 'p', method: 'ping' })).toEqual({ delivered: 1 });
        await settle(() => winner.notifications.some((n) => n.method === 'ping'), 'the ping at the winner');
        expect(loser.notifications.some((n) => n.method === 'ping')).toBe(false);
        winner.ws.close();
      });
    });

    describe('junk from a client', () => {
      it('null, arrays, numbers, strings, bad JSON, requests without id and unmatched responses are dropped; the connection and other peers keep working', async () => {
        const room = freshRoom();
        const b = await peer(room, 'b');
        await b.peer.request('join');
        const raw = new WebSocket(`${ctx().stack.url}?roomId=${room}&peerId=raw`, 'protoo');
        const received: any[] = [];
        raw.on('message', (data) => received.push(JSON.parse(data.toString())));
        await once(raw, 'open');
        const junk = [
          'null',
          '[]',
          '[1,2,3]',
          '42',
          '"just a string"',
          'true',
          '{bad json',
          '',
          '{}',
          '{"request":true,"method":"join","data":{}}',
          '{"request":true,"id":"7","method":"join","data":{}}',
          '{"response":true,"id":999,"ok":true,"data":{}}',
          '{"notification":true,"method":"peerNotify","data":{"method":"x"}}',
          '{"request":true,"id":1,"method":"join","data":{"data":{"__proto__":{"polluted":true}}}}',
        ];
        for (const frame of junk) raw.send(frame);
        // Requests with a numeric id but an unusable method or data get a 400.
        raw.send('{"request":true,"id":2,"method":5,"data":{}}');
        raw.send('{"request":true,"id":3,"method":"getPeers","data":"not an object"}');
        raw.send('{"request":true,"id":4,"method":"getPeers","data":{}}');
        const find = (id: number) => received.find((m) => m.response && m.id === id);
        const byId = async (id: number) => {
          await when(raw, ['message'], () => find(id) !== undefined, `response ${id}`);
          return find(id);
        };
        expect((await byId(2)).errorCode).toBe(400);
        expect((await byId(3)).errorCode).toBe(400);
        expect((await byId(4)).ok).toBe(true);
        const joined = await byId(1);
        expect(joined.ok).toBe(true);
        expect(({} as any).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
        await ctx().stack.settled();
        // Nothing answered the frames without a usable id.
        expect(received.filter((m) => m.response).map((m) => m.id).sort()).toEqual([1, 2, 3, 4]);
        expect(received.some((m) => m.message === 'Internal server error')).toBe(false);
        expect(raw.readyState).toBe(WebSocket.OPEN);

        // The other peer was not disturbed and sees the raw peer as joined.
        const peers = (await b.peer.request('getPeers')).peers.map((p: { id: string }) => p.id);
        expect(peers).toEqual(['raw']);
        expect(b.notifications.map((n) => n.method)).toEqual(['newPeer']);
        raw.close();
      });

      it('a binary frame closes only that connection (1003); the room carries on', async () => {
        const room = freshRoom();
        const a = await peer(room, 'a');
        await a.peer.request('join');
        const raw = new WebSocket(`${ctx().stack.url}?roomId=${room}&peerId=bin`, 'protoo');
        await once(raw, 'open');
        raw.send('{"request":true,"id":1,"method":"join","data":{}}');
        await a.notification('newPeer', (n) => n.data.id === 'bin');
        const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
        raw.send(Buffer.from([0xde, 0xad]), { binary: true });
        expect(await closed).toBe(1003);
        expect((await a.notification('peerClosed')).data).toEqual({ peerId: 'bin' });
        expect(await a.peer.request('getPeers')).toEqual({ peers: [] });
      });
    });

    describe('many peers at once', () => {
      const ids = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      const knownBy = (p: TestPeer, join: { peers: Array<{ id: string }> }) => [
        ...join.peers.map((x) => x.id),
        ...p.notifications.filter((n) => n.method === 'newPeer').map((n) => n.data.id as string),
      ];

      it('20 connected peers join, then all broadcast and request at once: nothing lost, nothing duplicated', async () => {
        const room = freshRoom();
        const peers = await Promise.all(ids.map((id) => peer(room, id)));
        // Joins one after another (all 20 connections open throughout).
        const joins: Array<{ peers: Array<{ id: string }> }> = [];
        for (const p of peers) joins.push(await p.peer.request('join', { data: { name: p.peerId } }));
        await Promise.all(peers.map((p, i) => p.until(() => knownBy(p, joins[i]!).length >= 19, 10_000, `${p.peerId} to know 19 peers`)));
        for (const [i, p] of peers.entries()) expect(knownBy(p, joins[i]!).sort()).toEqual(ids.filter((id) => id !== p.peerId));

        // Every peer broadcasts at the same time: 20 × 19 notifications, none lost, none duplicated.
        const delivered = await Promise.all(peers.map((p) => p.peer.request('peerNotify', { method: 'hello', data: { from: p.peerId } })));
        expect(delivered.map((d) => d.delivered)).toEqual(ids.map(() => 19));
        await Promise.all(peers.map((p) => p.until(() => p.notifications.filter((n) => n.method === 'hello').length >= 19, 10_000, 'all hellos')));
        await ctx().stack.settled();
        for (const p of peers) {
          const senders = p.notifications.filter((n) => n.method === 'hello').map((n) => n.data.from);
          expect(senders.sort()).toEqual(ids.filter((id) => id !== p.peerId));
        }

        // Every peer sends a relayed request to its neighbour at the same time; all answered correctly.
        for (const p of peers) p.onRequest = (r, accept) => accept({ me: p.peerId, from: r.data.from });
        const answers = await Promise.all(
          peers.map((p, i) => p.peer.request('peerRequest', { peerId: ids[(i + 1) % ids.length], method: 'who' })),
        );
        expect(answers).toEqual(ids.map((id, i) => ({ me: ids[(i + 1) % ids.length], from: id })));
      });

      // Simultaneous joins are the hard case: each join must see, or be seen by, every other
      // (this found a race in the runtime, fixed in 37335ee with an ordered roster).
      it('20 peers join at the same moment: each learns of all 19 others exactly once', async () => {
        const room = freshRoom();
        const peers = await Promise.all(ids.map((id) => peer(room, id)));
        const joins = await Promise.all(peers.map((p) => p.peer.request('join', { data: { name: p.peerId } })));
        await Promise.all(peers.map((p, i) => p.until(() => knownBy(p, joins[i]).length >= 19, 10_000, `${p.peerId} to know 19 peers`)));
        await ctx().stack.settled();
        for (const [i, p] of peers.entries()) expect(knownBy(p, joins[i]).sort()).toEqual(ids.filter((id) => id !== p.peerId));
      });
    });
  });
}
