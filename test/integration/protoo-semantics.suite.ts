/**
 * A counterpart for each case of protoo's own client/server test suite
 * (versatica/protoo test/__tests__/test-client-server.js), run with real
 * protoo-client peers against an app built with `createHandlers` and
 * served by the local stack.
 *
 * protoo's tests reach into the server's Room and Peer objects directly.
 * Here the server is a set of Lambda handlers behind API Gateway, so the
 * test app exposes what those tests inspect through requests from a
 * "control" peer (room membership, closing a peer, sending a server
 * request), and records what it received in memory (it runs in this
 * process). See docs/local-stack.md for the mapping table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtooError } from '../../lambda/app/errors.js';
import type { App, AppData, ReplyHandle } from '../../lambda/app/types.js';
import { createHandlers } from '../../lambda/create-handlers.js';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import type { WebSocketHandlers } from '../../local/types.js';
import { createPeer, freshRoom, once, openPeer, rejection, TestPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';

/** What the app saw, per room (events of earlier tests' rooms may still arrive late). */
interface Observed {
  requests: Array<{ roomId: string; peerId: string; method: string; data: AppData }>;
  notifications: Array<{ roomId: string; peerId: string; method: string; data: AppData }>;
  responses: Array<{ roomId: string; peerId: string; method: string; ok: boolean }>;
  closed: Array<{ roomId: string; peerId: string; reason: string }>;
}

/** `changed()` is called after each thing the app records. */
function protooTestApp(observed: Observed, changed: () => void): App {
  return {
    onConnectionRequest({ peerId }, decision) {
      // As in protoo's test server: peerId "reject" is refused with 403.
      if (peerId === 'reject') decision.reject(403, 'Sorry!');
      else decision.accept();
    },

    async onRequest({ method, data }, { peer, room, accept, reject, defer }) {
      observed.requests.push({ roomId: room.id, peerId: peer.id, method, data });
      changed();
      switch (method) {
        case 'hello':
          return accept({ text: 'hi!', got: data });
        case 'rejectMe':
          return reject(503, 'WHO KNOWS!');
        case 'throwMe':
          throw new Error('BOOM!!!');
        case 'teapot':
          throw new ProtooError(418, 'short and stout');
        // --- control requests standing in for protoo tests' direct server access ---
        case 'roomPeers':
          return accept({ peers: (await room.getPeers()).map((p) => p.id).sort() });
        case 'closePeer': {
          const target = await room.getPeer(String(data.peerId));
          if (!target) return reject(404, 'no such peer');
          await target.close();
          return accept();
        }
        case 'askPeer': {
          // Server → client request; the answer comes back in another invocation.
          const target = await room.getPeer(String(data.peerId));
          if (!target) return reject(404, 'no such peer');
          const replyTo = defer();
          await target.request('hello', { foo: 'bar' }, { state: { replyTo } });
          return;
        }
        case 'notifyPeer': {
          const target = await room.getPeer(String(data.peerId));
          if (!target) return reject(404, 'no such peer');
          return accept({ delivered: await target.notify('hello', { foo: 'bar' }) });
        }
        case 'closeRoom':
          await accept();
          return room.close();
        default:
          return reject(404, `unknown method ${method}`);
      }
    },

    onNotification({ method, data }, { peer, room }) {
      observed.notifications.push({ roomId: room.id, peerId: peer.id, method, data });
      changed();
    },

    async onResponse(response, { peer, room, request }) {
      observed.responses.push({ roomId: room.id, peerId: peer.id, method: request.method, ok: response.ok });
      changed();
      const replyTo = request.state.replyTo as ReplyHandle | undefined;
      if (replyTo) await room.answer(replyTo, response);
    },

    onPeerClosed({ peerId, roomId, reason }) {
      observed.closed.push({ roomId, peerId, reason });
      changed();
    },
  };
}

export function protooSemanticsSuite(engine: () => RunningEngine): void {
  describe("protoo's client/server test cases, on API Gateway semantics", () => {
    const all: Observed = { requests: [], notifications: [], responses: [], closed: [] };
    /** Re-checked each time the app records something (or a test calls changed()). */
    let waiters: Array<() => void> = [];
    const changed = () => {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    };
    const handlers = createHandlers(protooTestApp(all, changed)) as unknown as WebSocketHandlers;
    /** Only what happened in the current test's room, without the roomId field. */
    const strip = <T extends { roomId: string }>(list: T[]) =>
      list.filter((x) => x.roomId === room).map(({ roomId: _r, ...rest }) => rest);
    const observed = {
      get requests() {
        return strip(all.requests);
      },
      get notifications() {
        return strip(all.notifications);
      },
      get responses() {
        return strip(all.responses);
      },
      get closed() {
        return strip(all.closed);
      },
    };
    const ctx = useStack(engine, { handlers });
    const open: TestPeer[] = [];
    let room = '';
    const peer = async (peerId: string) => {
      const p = await openPeer(ctx().stack.url, room, peerId);
      open.push(p);
      return p;
    };
    const url = (peerId: string) => `${ctx().stack.url}?roomId=${room}&peerId=${peerId}`;
    const roomPeers = async (control: TestPeer) => (await control.peer.request('roomPeers')).peers as string[];
    /** Resolves once `predicate()` holds, re-checked at every changed(): no polling. */
    const until = (predicate: () => boolean, what: string, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
        const check = () => {
          if (!predicate()) return void waiters.push(check);
          clearTimeout(timer);
          resolve();
        };
        check();
      });

    afterEach(() => {
      for (const p of open.splice(0)) p.close();
      room = '';
    });

    it('client connects to server and reconnects', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const client = createPeer(url('A'), { retries: 0 });
      const A = new TestPeer(client, 'A');
      open.push(A);
      expect(client.closed).toBe(false);
      expect(client.connected).toBe(false);
      await once(client, 'open');
      expect(client.connected).toBe(true);
      expect(await roomPeers(control)).toEqual(['A', 'control']);

      // The server closes A's connection (protoo: serverPeer.close() after an abrupt transport close).
      // State is captured inside the event: protoo-client starts reconnecting right after it.
      const disconnected = new Promise<{ closed: boolean; connected: boolean }>((resolve) =>
        client.once('disconnected', () => resolve({ closed: client.closed, connected: client.connected })),
      );
      const reopened = disconnected.then(() => once(client, 'open'));
      await control.peer.request('closePeer', { peerId: 'A' });
      expect(await disconnected).toEqual({ closed: false, connected: false });
      await until(() => observed.closed.some((c) => c.peerId === 'A'), 'onPeerClosed(A)');
      expect(observed.closed).toEqual([{ peerId: 'A', reason: 'closed' }]);

      // protoo-client reconnects on its own (the close code is not 4000).
      await reopened;
      expect(client.connected).toBe(true);
      expect(await roomPeers(control)).toEqual(['A', 'control']);

      client.close();
      expect(client.closed).toBe(true);
      expect(client.connected).toBe(false);
      await until(() => observed.closed.filter((c) => c.peerId === 'A').length === 2, 'second onPeerClosed(A)');
      expect(observed.closed[1]).toEqual({ peerId: 'A', reason: 'disconnected' });
      expect(await roomPeers(control)).toEqual(['control']);
    });

    it('server rejects connection request (1 retries)', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const client = createPeer(url('reject'), { retries: 1, minTimeout: 100, maxTimeout: 100 });
      open.push(new TestPeer(client, 'reject'));
      const attempts: number[] = [];
      const closed = once(client, 'close');
      client.on('failed', (attempt: number) => {
        attempts.push(attempt);
        changed();
      });
      await until(() => attempts.length === 1, 'first failure');
      expect(client.closed).toBe(false);
      expect(client.connected).toBe(false);
      expect(await roomPeers(control)).toEqual(['control']);
      await closed;
      // After the second failed attempt the transport gives up and closes.
      expect(attempts).toEqual([1, 2]);
      expect(client.closed).toBe(true);
      expect(client.connected).toBe(false);
      expect(await roomPeers(control)).toEqual(['control']);
    });

    it('client sends request to server', async () => {
      room = freshRoom('protoo');
      const A = await peer('A');
      const data = await A.peer.request('hello', { foo: 'bar' });
      expect(data).toEqual({ text: 'hi!', got: { foo: 'bar' } });
      expect(observed.requests).toEqual([{ peerId: 'A', method: 'hello', data: { foo: 'bar' } }]);
    });

    it('client sends request to server and server rejects it', async () => {
      room = freshRoom('protoo');
      const A = await peer('A');
      const error = await rejection(A.peer.request('rejectMe', { foo: 'bar' }));
      expect(error.code).toBe(503);
      expect(error.message).toBe('WHO KNOWS!');
    });

    it('client sends request to server and server throws', async () => {
      room = freshRoom('protoo');
      const A = await peer('A');
      const error = await rejection(A.peer.request('throwMe', { foo: 'bar' }));
      expect(error.code).toBe(500);
      expect(error.message).toMatch(/BOOM!!!/);
      // A ProtooError thrown by the app answers with its own code.
      const teapot = await rejection(A.peer.request('teapot'));
      expect(teapot.code).toBe(418);
      expect(teapot.message).toBe('short and stout');
    });

    it('client sends notification to server', async () => {
      room = freshRoom('protoo');
      const A = await peer('A');
      await A.peer.notify('hello', { foo: 'bar' });
      await until(() => observed.notifications.length > 0, 'the notification');
      await ctx().stack.settled(); // and no duplicate
      expect(observed.notifications).toEqual([{ peerId: 'A', method: 'hello', data: { foo: 'bar' } }]);
    });

    it('server sends request to client', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const A = await peer('A');
      A.onRequest = (request, accept) => {
        expect(request.method).toBe('hello');
        expect(request.data).toEqual({ foo: 'bar' });
        accept({ text: 'hi!' });
      };
      expect(await control.peer.request('askPeer', { peerId: 'A' })).toEqual({ text: 'hi!' });
      expect(A.requests).toHaveLength(1);
      expect(observed.responses).toEqual([{ peerId: 'A', method: 'hello', ok: true }]);
    });

    it('server sends request to client and client rejects it', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const A = await peer('A');
      A.onRequest = (_request, _accept, reject) => reject(503, 'WHO KNOWS!');
      const error = await rejection(control.peer.request('askPeer', { peerId: 'A' }));
      expect(error.code).toBe(503);
      expect(error.message).toBe('WHO KNOWS!');
      expect(observed.responses).toEqual([{ peerId: 'A', method: 'hello', ok: false }]);
    });

    it('server sends request to client and client throws', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const A = await peer('A');
      A.onRequest = () => {
        throw new Error('BOOM!!!');
      };
      const error = await rejection(control.peer.request('askPeer', { peerId: 'A' }));
      expect(error.code).toBe(500);
      expect(error.message).toMatch(/BOOM!!!/);
    });

    it('server sends notification to client', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const A = await peer('A');
      expect(await control.peer.request('notifyPeer', { peerId: 'A' })).toEqual({ delivered: true });
      const notification = await A.notification('hello');
      expect(notification.data).toEqual({ foo: 'bar' });
      await ctx().stack.settled();
      expect(A.notifications).toHaveLength(1);
    });

    it('room.close() closes clientPeer and serverPeer', async () => {
      room = freshRoom('protoo');
      const control = await peer('control');
      const A = await peer('A');
      // API Gateway closes with 1000, never protoo's 4000, so protoo-client reports
      // 'disconnected' (and would reconnect) instead of 'close'; the app closes it.
      const disconnected = [once(A.peer, 'disconnected'), once(control.peer, 'disconnected')];
      A.peer.on('disconnected', () => A.close());
      control.peer.on('disconnected', () => control.close());
      const onClientClose = once(A.peer, 'close');
      await control.peer.request('closeRoom').catch(() => {}); // the answer may race the close
      await Promise.all(disconnected);
      await onClientClose;
      expect(A.peer.closed).toBe(true);
      await until(() => observed.closed.length === 2, 'onPeerClosed for both peers');
      expect(observed.closed.map((c) => c.peerId).sort()).toEqual(['A', 'control']);
      expect(observed.closed.every((c) => c.reason === 'closed')).toBe(true);
      // The room is empty afterwards.
      const probe = await peer('probe');
      expect(await roomPeers(probe)).toEqual(['probe']);
    });
  });
}
