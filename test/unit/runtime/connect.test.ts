import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { connectionKey, peerKey } from '../../../lambda/store/keys.js';
import { NOW, connectEvent, createHarness } from '../support/harness.js';

const query = { roomId: 'room1', peerId: 'alice' };

describe('$connect', () => {
  it('accepts a protoo client, stores connection and peer, and echoes the subprotocol', async () => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c-alice', query));
    expect(result).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'protoo' } });
    const puts = h.inputs(PutCommand);
    expect(puts).toHaveLength(2);
    expect(puts[0].Item).toMatchObject({ ...connectionKey('c-alice'), roomId: 'room1', peerId: 'alice' });
    expect(puts[1]).toMatchObject({ Item: { ...peerKey('room1', 'alice'), connectionId: 'c-alice', version: 0 }, ReturnValues: 'ALL_OLD' });
    // Every item expires: API Gateway connections live at most 2 h.
    for (const put of puts) expect(put.Item.expiresAt).toBeGreaterThan(NOW / 1000 + 2 * 3600);
  });

  it('finds protoo among several offered subprotocols, in any header case', async () => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c1', query, { 'sec-websocket-protocol': 'chat, protoo' }));
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ 'Sec-WebSocket-Protocol': 'protoo' });
  });

  it.each([
    ['no header', {}],
    ['another subprotocol', { 'Sec-WebSocket-Protocol': 'chat' }],
    ['a prefix of protoo', { 'Sec-WebSocket-Protocol': 'proto' }],
  ])('refuses a handshake with %s, touching nothing', async (_name, headers) => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c1', query, headers));
    expect(result.statusCode).toBe(403);
    expect(result.headers).toBeUndefined();
    expect(h.dynamo.calls()).toHaveLength(0);
  });

  it.each([
    ['no query string', null],
    ['no peerId', { roomId: 'r' }],
    ['no roomId', { peerId: 'p' }],
    ['a slash in roomId', { roomId: 'a/b', peerId: 'p' }],
    ['a space in peerId', { roomId: 'r', peerId: 'a b' }],
    ['a 65-character peerId', { roomId: 'r', peerId: 'x'.repeat(65) }],
    ['an empty roomId', { roomId: '', peerId: 'p' }],
    ['a # that would forge a key', { roomId: 'r#PEER', peerId: 'p' }],
  ])('refuses %s with 400', async (_name, badQuery) => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c1', badQuery));
    expect(result.statusCode).toBe(400);
    expect(h.dynamo.calls()).toHaveLength(0);
  });

  it('accepts every allowed character and the 64-character maximum', async () => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c1', { roomId: 'Az09_.~-', peerId: 'p'.repeat(64) }));
    expect(result.statusCode).toBe(200);
  });

  it('takes the identity from the authorizer context when there is one', async () => {
    const h = createHarness(roomRelay);
    const event = connectEvent('c1', { roomId: 'forged', peerId: 'forged' });
    event.requestContext.authorizer = { roomId: 'real-room', peerId: 'real-peer' };
    expect((await h.handlers.connect(event)).statusCode).toBe(200);
    expect(h.inputs(PutCommand)[1].Item).toMatchObject({ roomId: 'real-room', peerId: 'real-peer' });
  });

  it.each([
    ['an invalid peerId', { roomId: 'room', peerId: 'auth0|mallory' }],
    ['only a roomId', { roomId: 'room' }],
  ])('refuses an authorizer context with %s with 400, never falling back to the query string', async (_name, authorizer) => {
    const h = createHarness(roomRelay);
    const event = connectEvent('c1', { roomId: 'other-room', peerId: 'bob' });
    event.requestContext.authorizer = authorizer;
    expect((await h.handlers.connect(event)).statusCode).toBe(400);
    expect(h.dynamo.calls()).toHaveLength(0);
  });

  it('uses the query string when the authorizer context names no identity', async () => {
    const h = createHarness(roomRelay);
    const event = connectEvent('c1', { roomId: 'r', peerId: 'p' });
    event.requestContext.authorizer = { principalId: 'user-1' };
    expect((await h.handlers.connect(event)).statusCode).toBe(200);
    expect(h.inputs(PutCommand)[1].Item).toMatchObject({ roomId: 'r', peerId: 'p' });
  });

  it('lets the app reject with a code, and stores nothing', async () => {
    const h = createHarness({ onConnectionRequest: (_request, { reject }) => reject(401, 'who are you') });
    const result = await h.handlers.connect(connectEvent('c1', query));
    expect(result).toEqual({ statusCode: 401, body: 'who are you' });
    expect(h.inputs(PutCommand)).toHaveLength(0);
  });

  it('passes the request to the app and stores the data it accepts with', async () => {
    const seen: unknown[] = [];
    const h = createHarness({
      onConnectionRequest: (request, { accept }) => {
        seen.push(request);
        accept({ role: 'viewer' });
      },
    });
    const event = connectEvent('c1', { ...query, token: 't' });
    event.requestContext.identity = { sourceIp: '192.0.2.1' };
    await h.handlers.connect(event);
    expect(seen).toEqual([expect.objectContaining({ roomId: 'room1', peerId: 'alice', connectionId: 'c1', sourceIp: '192.0.2.1', query: expect.objectContaining({ token: 't' }) })]);
    expect(h.inputs(PutCommand)[1].Item.data).toEqual({ role: 'viewer' });
  });

  it('answers 500 when the app neither accepts nor rejects', async () => {
    const h = createHarness({ onConnectionRequest: () => {} });
    expect((await h.handlers.connect(connectEvent('c1', query))).statusCode).toBe(500);
    expect(h.logs.some((line) => line.level === 'error' && line.outcome === 'failed')).toBe(true);
  });

  it('answers 500 (and logs) when DynamoDB fails', async () => {
    const h = createHarness(roomRelay);
    h.dynamo.on(PutCommand).rejects(new Error('throttled'));
    expect((await h.handlers.connect(connectEvent('c1', query))).statusCode).toBe(500);
    expect(h.logs.find((line) => line.level === 'error')).toMatchObject({ route: '$connect', connectionId: 'c1', error: 'throttled' });
  });

  describe('when the peerId is already connected', () => {
    function givenExistingPeer(h: ReturnType<typeof createHarness>, joined: boolean) {
      h.dynamo
        .on(PutCommand, { Item: { ...peerKey('room1', 'alice') } })
        .resolves({ Attributes: { ...peerKey('room1', 'alice'), roomId: 'room1', peerId: 'alice', connectionId: 'c-old', data: joined ? { joined: true } : {}, version: 1 } });
    }

    it('tells and closes the old connection, forgets it, and announces the joined peer as closed', async () => {
      const h = createHarness(roomRelay);
      givenExistingPeer(h, true);
      h.givenRoom('room1', [
        { peerId: 'alice', connectionId: 'c-old', data: { joined: true } },
        { peerId: 'bob', connectionId: 'c-bob', data: { joined: true } },
        { peerId: 'carol', connectionId: 'c-carol', data: {} },
      ]);
      const result = await h.handlers.connect(connectEvent('c-new', query));
      expect(result.statusCode).toBe(200);
      expect(h.postedTo('c-old')).toEqual([{ notification: true, method: 'peerReplaced', data: { peerId: 'alice' } }]);
      expect(h.closedConnections()).toEqual(['c-old']);
      expect(h.inputs(DeleteCommand).map((input) => input.Key)).toContainEqual(connectionKey('c-old'));
      // Requests pending on the old connection are looked up to be failed.
      expect(h.inputs(QueryCommand).map((input) => input.ExpressionAttributeValues[':prefix'])).toContain('REQ#c-old#');
      // Only joined peers hear of it; the new connection is not open yet and is not told.
      expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'peerClosed', data: { peerId: 'alice' } }]);
      expect(h.postedTo('c-carol')).toEqual([]);
      expect(h.postedTo('c-new')).toEqual([]);
      expect(h.logs.find((line) => line.message === 'connect')).toMatchObject({ outcome: 'accepted:replaced', roomId: 'room1', peerId: 'alice' });
    });

    it('closes the old connection even when it is still inside its own $connect (its post is Gone)', async () => {
      const h = createHarness(roomRelay);
      givenExistingPeer(h, false);
      h.api.on(PostToConnectionCommand, { ConnectionId: 'c-old' }).rejects(Object.assign(new Error('gone'), { name: 'GoneException' }));
      expect((await h.handlers.connect(connectEvent('c-new', query))).statusCode).toBe(200);
      expect(h.closedConnections()).toEqual(['c-old']);
    });

    it('announces nothing when the old peer had not joined', async () => {
      const h = createHarness(roomRelay);
      givenExistingPeer(h, false);
      h.givenRoom('room1', [{ peerId: 'bob', connectionId: 'c-bob', data: { joined: true } }]);
      await h.handlers.connect(connectEvent('c-new', query));
      expect(h.closedConnections()).toEqual(['c-old']);
      expect(h.postedTo('c-bob')).toEqual([]);
    });
  });
});
