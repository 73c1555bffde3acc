/**
 * The Room an app handler is given, as the client and its peers see it:
 * who is counted as enrolled and unenrolled, who a filtered broadcast
 * reaches, that closing a room closes every connection in it, that a
 * deferred answer to a gone client ends that client, and that a connection
 * which lost its peerId is closed as replaced whether it finds out from a
 * listing, an enrollment or a notification handler. On the in-memory store
 * (real roster semantics); only the Management API is mocked.
 */
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { ConnectionReplacedError, ProtooError } from '../../../lambda/app/errors.js';
import { authorizerSetsIdentity } from '../../../lambda/runtime/identity.js';
import { createMemoryHarness, goneError, messageEvent, type GivenPeer, type MemoryHarness } from '../support/memory-harness.js';

const outcome = (h: MemoryHarness) => h.logs.findLast((line) => line.message === 'message');
const request = (id: number, method = 'm') => ({ request: true, id, method, data: {} });

/** Connection c1 is alice's in room1 (its connection item says so), whatever the peers say of her binding. */
async function inRoom(app: App, peers: GivenPeer[]) {
  const h = createMemoryHarness(app);
  await h.givenRoom('room1', peers);
  await h.givenConnection('c1', 'room1', 'alice');
  return h;
}

describe('unenroll', () => {
  it('answers true for an enrolled peer, then false once it has left', async () => {
    const answers: boolean[] = [];
    const h = await inRoom(
      {
        onRequest: async (_request, { peer, room, accept }) => {
          answers.push(await room.unenroll(peer));
          answers.push(await room.unenroll(peer));
          await accept();
        },
      },
      [{ peerId: 'alice', connectionId: 'c1', enrolled: true }],
    );
    await h.handlers.message(messageEvent('c1', request(1)));
    expect(answers).toEqual([true, false]);
    expect(await h.roster('room1')).toEqual({});
  });
});

describe('enroll', () => {
  it('refuses a peer already on the roster with 409 "already joined"', async () => {
    const h = await inRoom({ onRequest: async (_request, { peer, room, accept }) => (await room.enroll(peer), accept()) }, [
      { peerId: 'alice', connectionId: 'c1', enrolled: true },
    ]);
    await h.handlers.message(messageEvent('c1', request(5)));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 5, ok: false, errorCode: 409, errorReason: 'already joined' }]);
    expect(await h.roster('room1')).toEqual({ alice: 'c1' });
  });

  it('closes a connection whose peerId is bound elsewhere, and leaves no roster entry behind', async () => {
    const h = await inRoom({ onRequest: async (_request, { peer, room, accept }) => (await room.enroll(peer), accept()) }, [
      { peerId: 'alice', connectionId: 'c-newer', enrolled: false },
    ]);
    await h.handlers.message(messageEvent('c1', request(6)));
    expect(h.closedConnections()).toContain('c1');
    expect(outcome(h)).toMatchObject({ outcome: 'replaced-connection-closed' });
    // It did get on the roster (the roster cannot tell), and was taken off again.
    expect(h.store.argsOf('enroll')).toEqual([[{ roomId: 'room1', peerId: 'alice', connectionId: 'c1' }, undefined]]);
    expect(await h.roster('room1')).toEqual({});
    // The newer binding is left alone.
    expect(await h.peer('room1', 'alice')).toMatchObject({ connectionId: 'c-newer' });
  });
});

describe('getPeers from a connection that lost its peerId', () => {
  it('closes the connection as replaced instead of listing the room', async () => {
    let listed: string[] | undefined;
    const h = await inRoom(
      { onRequest: async (_request, { room, accept }) => ((listed = (await room.getPeers()).map((p) => p.id)), accept()) },
      [
        { peerId: 'alice', connectionId: 'c-newer' },
        { peerId: 'bob', connectionId: 'c-bob' },
      ],
    );
    await h.handlers.message(messageEvent('c1', request(7)));
    expect(listed).toBeUndefined();
    expect(h.closedConnections()).toContain('c1');
    expect(outcome(h)).toMatchObject({ outcome: 'replaced-connection-closed' });
  });
});

describe('notifyAll with where', () => {
  it('notifies only the peers whose data passes the filter', async () => {
    let count: number | undefined;
    const h = await inRoom(
      {
        onRequest: async (_request, { room, accept }) => {
          count = await room.notifyAll('hello', {}, { where: (data) => data.joined === true });
          await accept();
        },
      },
      [
        { peerId: 'alice', connectionId: 'c1', data: { joined: true } },
        { peerId: 'bob', connectionId: 'c-bob', data: { joined: true } },
        { peerId: 'carol', connectionId: 'c-carol', data: {} },
      ],
    );
    await h.handlers.message(messageEvent('c1', request(8)));
    expect(count).toBe(2);
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'hello', data: {} }]);
    expect(h.postedTo('c-carol')).toEqual([]);
  });
});

describe('close', () => {
  it('closes every connection in the room', async () => {
    const h = await inRoom({ onRequest: async (_request, { room, accept }) => (await accept(), await room.close()) }, [
      { peerId: 'alice', connectionId: 'c1' },
      { peerId: 'bob', connectionId: 'c-bob' },
    ]);
    await h.handlers.message(messageEvent('c1', request(9)));
    expect(h.closedConnections().sort()).toEqual(['c-bob', 'c1']);
    // Each peer is ended before its connection is closed, so the $disconnect that follows finds nothing to do.
    expect(await h.memory.listPeers('room1')).toEqual([]);
  });
});

describe('answer through a deferred handle', () => {
  it('ends the peer when its connection is gone', async () => {
    const h = await inRoom(
      {
        onRequest: async (_request, { room, defer }) => {
          const handle = defer();
          await room.answer(handle, { ok: true, data: {} });
        },
      },
      [
        { peerId: 'alice', connectionId: 'c1', data: { joined: true }, enrolled: true },
        { peerId: 'bob', connectionId: 'c-bob', data: { joined: true }, enrolled: true },
      ],
    );
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c1' }).rejects(goneError());
    await h.handlers.message(messageEvent('c1', request(10)));
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob' });
    expect(await h.peer('room1', 'alice')).toBeUndefined();
  });
});

describe('a notification handler', () => {
  it('that finds its connection replaced gets the connection closed', async () => {
    const h = await inRoom({ onNotification: () => { throw new ConnectionReplacedError('alice'); } }, [{ peerId: 'alice', connectionId: 'c-newer' }]);
    await h.handlers.message(messageEvent('c1', { notification: true, method: 'hi', data: {} }));
    expect(h.closedConnections()).toEqual(['c1']);
    expect(outcome(h)).toMatchObject({ outcome: 'replaced-connection-closed', method: 'hi' });
    expect(await h.peer('room1', 'alice')).toMatchObject({ connectionId: 'c-newer' });
  });

  it('that throws anything else does not get the connection closed', async () => {
    const h = await inRoom({ onNotification: () => { throw new Error('app bug'); } }, [{ peerId: 'alice', connectionId: 'c1' }]);
    await h.handlers.message(messageEvent('c1', { notification: true, method: 'hi', data: {} })).catch(() => undefined);
    expect(h.closedConnections()).toEqual([]);
    expect(outcome(h)).not.toMatchObject({ outcome: 'replaced-connection-closed' });
    expect(await h.peer('room1', 'alice')).toMatchObject({ connectionId: 'c1' });
  });
});

describe('request failure logs', () => {
  it('logs an internal error as "request failed" under the id the client was given', async () => {
    const h = await inRoom({ onRequest: () => { throw Object.assign(new Error('db down'), { $metadata: { httpStatusCode: 500 } }); } }, [
      { peerId: 'alice', connectionId: 'c1' },
    ]);
    await h.handlers.message(messageEvent('c1', request(11)));
    const [answer] = h.postedTo('c1');
    const errorId = /\(id ([^)]+)\)/.exec(answer.errorReason)?.[1];
    expect(errorId).toBeDefined();
    expect(h.logs.find((line) => line.errorId === errorId)).toMatchObject({ level: 'error', message: 'request failed' });
  });

  it('does not log a ProtooError the handler threw as a handler failure', async () => {
    const h = await inRoom({ onRequest: () => { throw new ProtooError(403, 'nope'); } }, [{ peerId: 'alice', connectionId: 'c1' }]);
    await h.handlers.message(messageEvent('c1', request(12)));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 12, ok: false, errorCode: 403, errorReason: 'nope' }]);
    expect(h.logs.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });
});

describe('authorizerSetsIdentity', () => {
  it('is true for an authorizer naming either id, false for none', () => {
    expect(authorizerSetsIdentity({ roomId: 'r' })).toBe(true);
    expect(authorizerSetsIdentity({ peerId: 'p' })).toBe(true);
    expect(authorizerSetsIdentity({ other: 1 })).toBe(false);
    expect(authorizerSetsIdentity(null)).toBe(false);
  });
});
