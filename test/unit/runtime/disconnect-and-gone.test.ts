import { DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { connectionKey, peerKey } from '../../../lambda/store/keys.js';
import { conditionalCheckFailed, createHarness, disconnectEvent, goneError, messageEvent } from '../support/harness.js';

const joined = { joined: true, info: {} };

describe('$disconnect', () => {
  /** alice's $disconnect arrives; `aliceOwner` holds her peer and roster entry now (null: she never joined). */
  function harness(aliceOwner: string | null = 'c-alice') {
    const h = createHarness(roomRelay);
    h.givenConnection('c-alice', 'room1', 'alice');
    h.givenRoom('room1', [
      ...(aliceOwner ? [{ peerId: 'alice', connectionId: aliceOwner, data: joined }] : []),
      { peerId: 'bob', connectionId: 'c-bob', data: joined },
      { peerId: 'carol', connectionId: 'c-carol', data: {} },
    ]);
    return h;
  }

  it('removes the peer only if this connection owns it, forgets the connection, and announces peerClosed', async () => {
    const h = harness();
    h.dynamo.on(DeleteCommand, { Key: peerKey('room1', 'alice') }).resolves({ Attributes: { ...peerKey('room1', 'alice'), roomId: 'room1', peerId: 'alice', connectionId: 'c-alice', data: joined, version: 1 } });
    expect(await h.handlers.disconnect(disconnectEvent('c-alice'))).toEqual({ statusCode: 200 });
    const deletes = h.inputs(DeleteCommand);
    expect(deletes.find((input) => input.Key.sk === 'PEER#alice')).toMatchObject({
      ConditionExpression: '#connectionId = :connectionId',
      ExpressionAttributeValues: { ':connectionId': 'c-alice' },
    });
    expect(deletes.map((input) => input.Key)).toContainEqual(connectionKey('c-alice'));
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'peerClosed', data: { peerId: 'alice' } }]);
    expect(h.postedTo('c-carol')).toEqual([]);
    // Off the roster too, on the same ownership condition.
    expect(h.inputs(UpdateCommand).find((input) => String(input.UpdateExpression).startsWith('REMOVE #member'))).toMatchObject({
      ExpressionAttributeNames: { '#member': 'member:alice' },
      ExpressionAttributeValues: { ':connectionId': 'c-alice' },
    });
  });

  it('a late $disconnect of a replaced connection removes nothing and announces nothing', async () => {
    const h = harness('c-new');
    h.dynamo.on(DeleteCommand, { Key: peerKey('room1', 'alice') }).rejects(conditionalCheckFailed());
    expect(await h.handlers.disconnect(disconnectEvent('c-alice'))).toEqual({ statusCode: 200 });
    expect(h.posted()).toEqual([]);
    expect(h.logs.find((line) => line.message === 'disconnect')).toMatchObject({ outcome: 'disconnected', peerId: 'alice' });
  });

  it('does not announce a peer that never joined', async () => {
    const h = harness(null);
    h.dynamo.on(DeleteCommand, { Key: peerKey('room1', 'alice') }).resolves({ Attributes: { roomId: 'room1', peerId: 'alice', connectionId: 'c-alice', data: {}, version: 0 } });
    await h.handlers.disconnect(disconnectEvent('c-alice'));
    expect(h.posted()).toEqual([]);
  });

  it('ignores a connection it knows nothing about', async () => {
    const h = harness();
    expect(await h.handlers.disconnect(disconnectEvent('c-unknown'))).toEqual({ statusCode: 200 });
    expect(h.inputs(DeleteCommand)).toHaveLength(0);
    expect(h.logs.find((line) => line.message === 'disconnect')).toMatchObject({ outcome: 'unknown-connection' });
  });

  it('tells the app once, with the reason and last data', async () => {
    const events: unknown[] = [];
    const h = createHarness({ onPeerClosed: (event) => void events.push(event) });
    h.givenConnection('c1', 'r', 'p');
    h.dynamo.on(DeleteCommand, { Key: peerKey('r', 'p') }).resolves({ Attributes: { roomId: 'r', peerId: 'p', connectionId: 'c1', data: { x: 1 }, version: 3 } });
    await h.handlers.disconnect(disconnectEvent('c1'));
    expect(events).toEqual([{ peerId: 'p', roomId: 'r', connectionId: 'c1', data: { x: 1 }, reason: 'disconnected', wasEnrolled: false }]);
  });
});

describe('peer.close()', () => {
  it('ends the peer before closing its connection, so the $disconnect that follows finds nothing to end', async () => {
    const events: string[] = [];
    const h = createHarness({
      async onRequest(_request, { peer, accept }) {
        await accept();
        await peer.close();
      },
      onPeerClosed: ({ reason }) => void events.push(`onPeerClosed:${reason}`),
    });
    h.givenConnection('c1', 'r', 'p');
    h.dynamo.on(DeleteCommand, { Key: peerKey('r', 'p') }).callsFake(() => {
      events.push('unbind');
      return { Attributes: { roomId: 'r', peerId: 'p', connectionId: 'c1', data: {}, version: 0 } };
    });
    h.api.on(DeleteConnectionCommand).callsFake(() => void events.push('DeleteConnection'));
    await h.handlers.message(messageEvent('c1', { request: true, id: 1, method: 'bye' }));
    expect(events).toEqual(['unbind', 'onPeerClosed:closed', 'DeleteConnection']);
  });
});

describe('Gone connections found while delivering', () => {
  /** An app whose `shout` request notifies every other peer and answers how many got it. */
  const shoutApp: App = {
    async onRequest(_request, { peer, room, accept }) {
      await accept({ delivered: await room.notifyAll('shout', {}, { except: [peer.id] }) });
    },
    async onPeerClosed({ peerId, reason }, { room }) {
      await room.notifyAll('left', { peerId, reason }, { except: [peerId] });
    },
  };

  function crowd(size: number, options = {}) {
    const h = createHarness(shoutApp, options);
    h.givenConnection('c-me', 'r', 'me');
    const peers = [{ peerId: 'me', connectionId: 'c-me' }, ...Array.from({ length: size }, (_, i) => ({ peerId: `p${i}`, connectionId: `c${i}` }))];
    h.givenRoom('r', peers);
    return h;
  }

  it('delivers to everyone else when some connections are Gone (by name or by 410) or fail, and cleans up only the Gone ones', async () => {
    const h = crowd(6);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c1' }).rejects(goneError('name'));
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c3' }).rejects(goneError('status'));
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c4' }).rejects(new Error('internal failure'));
    // As in DynamoDB, the conditional delete succeeds for the first cleanup only.
    h.dynamo.on(DeleteCommand, { Key: peerKey('r', 'p1') }).resolvesOnce({ Attributes: { roomId: 'r', peerId: 'p1', connectionId: 'c1', data: {}, version: 0 } }).rejects(conditionalCheckFailed());
    h.dynamo.on(DeleteCommand, { Key: peerKey('r', 'p3') }).resolvesOnce({ Attributes: { roomId: 'r', peerId: 'p3', connectionId: 'c3', data: {}, version: 0 } }).rejects(conditionalCheckFailed());

    await h.handlers.message(messageEvent('c-me', { request: true, id: 1, method: 'shout' }));

    expect(h.postedTo('c-me').filter((message) => message.response)).toEqual([{ response: true, id: 1, ok: true, data: { delivered: 3 } }]);
    for (const connectionId of ['c0', 'c2', 'c5']) expect(h.postedTo(connectionId)[0]).toEqual({ notification: true, method: 'shout', data: {} });

    // Each Gone peer is removed on the condition that the *Gone* connection still owns it.
    const peerDeletes = h.inputs(DeleteCommand).filter((input) => input.Key.sk.startsWith('PEER#'));
    for (const input of peerDeletes) expect([input.Key.sk, input.ExpressionAttributeValues[':connectionId']]).toBeOneOf([['PEER#p1', 'c1'], ['PEER#p3', 'c3']]);
    expect(new Set(peerDeletes.map((input) => input.Key.sk))).toEqual(new Set(['PEER#p1', 'PEER#p3']));
    expect(h.logs.some((line) => line.level === 'error' && line.message === 'notification failed' && line.peerId === 'p4')).toBe(true);
    // The survivors hear that the Gone peers left, as after a $disconnect.
    const leftNotices = h.postedTo('c0').filter((message) => message.method === 'left').map((message) => message.data);
    expect(leftNotices).toEqual(expect.arrayContaining([{ peerId: 'p1', reason: 'gone' }, { peerId: 'p3', reason: 'gone' }]));
  });

  it('does not remove a peer whose Gone connection was already replaced', async () => {
    const h = crowd(2);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c0' }).rejects(goneError('name'));
    h.dynamo.on(DeleteCommand, { Key: peerKey('r', 'p0') }).rejects(conditionalCheckFailed());
    await h.handlers.message(messageEvent('c-me', { request: true, id: 1, method: 'shout' }));
    expect(h.postedTo('c1').filter((message) => message.method === 'left')).toEqual([]);
    expect(h.postedTo('c-me')).toEqual([{ response: true, id: 1, ok: true, data: { delivered: 1 } }]);
  });

  it('cleans up the requester itself when its own answer finds it Gone', async () => {
    const h = crowd(0);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-me' }).rejects(goneError('name'));
    await h.handlers.message(messageEvent('c-me', { request: true, id: 1, method: 'shout' }));
    expect(h.inputs(DeleteCommand).find((input) => input.Key.sk === 'PEER#me')?.ExpressionAttributeValues).toEqual({ ':connectionId': 'c-me' });
  });

  it('keeps at most fanOutConcurrency posts in flight', async () => {
    const h = crowd(40, { fanOutConcurrency: 5 });
    let inFlight = 0;
    let maxInFlight = 0;
    h.api.on(PostToConnectionCommand).callsFake(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return {};
    });
    await h.handlers.message(messageEvent('c-me', { request: true, id: 1, method: 'shout' }));
    expect(h.postedTo('c-me')).toEqual([{ response: true, id: 1, ok: true, data: { delivered: 40 } }]);
    expect(maxInFlight).toBe(5);
  });
});
