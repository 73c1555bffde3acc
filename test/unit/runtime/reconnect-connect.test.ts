import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { connectionKey, peerKey } from '../../../lambda/store/keys.js';
import { NOW, conditionalCheckFailed, connectEvent, createHarness, goneError, type Harness } from '../support/harness.js';

const query = { roomId: 'room1', peerId: 'alice' };
const peerPut = { Item: { ...peerKey('room1', 'alice') } };

/** The peer item the bind's Put returns as ALL_OLD: c-old owned alice, with or without a backoff of its own. */
function givenOldBinding(h: Harness, backoff?: { replaceableAfter: number; replacementStreak: number }) {
  h.dynamo.on(PutCommand, peerPut).resolves({
    Attributes: { ...peerKey('room1', 'alice'), roomId: 'room1', peerId: 'alice', connectionId: 'c-old', data: {}, version: 0, boundAt: NOW - 60_000, expiresAt: NOW / 1000 + 3600, ...backoff },
  });
}

const peerUpdates = (h: Harness) => h.inputs(UpdateCommand).filter((input) => input.Key.sk === peerKey('room1', 'alice').sk);

describe('$connect under the replacement backoff', () => {
  it('a first connect is one conditional Put of the peer, nothing more', async () => {
    const h = createHarness(roomRelay);
    expect((await h.handlers.connect(connectEvent('c-new', query))).statusCode).toBe(200);
    const [, bind] = h.inputs(PutCommand);
    expect(bind.ConditionExpression).toBe(
      '#connectionId = :connectionId OR #ttl <= :nowSeconds OR ' +
        '((attribute_not_exists(#replaceableAfter) OR #replaceableAfter <= :now) AND (attribute_not_exists(#connectedAt) OR #connectedAt <= :since))',
    );
    // Without the event's connectedAt, the connection counts as made now.
    expect(bind.ExpressionAttributeValues).toEqual({ ':now': NOW, ':connectionId': 'c-new', ':nowSeconds': NOW / 1000, ':since': NOW });
    expect(bind.Item.connectedAt).toBe(NOW);
    // The new binding starts unprotected: only a replacement protects it.
    expect(bind.Item).not.toHaveProperty('replaceableAfter');
    expect(h.inputs(PutCommand)).toHaveLength(2);
    expect(h.inputs(UpdateCommand)).toHaveLength(0);
    expect(h.inputs(GetCommand)).toHaveLength(0);
  });

  it("fences the bind with the event's connectedAt: a late bind of an older connection cannot replace a newer one", async () => {
    const h = createHarness(roomRelay);
    const event = connectEvent('c-new', query);
    event.requestContext.connectedAt = NOW - 5_000;
    expect((await h.handlers.connect(event)).statusCode).toBe(200);
    const [, bind] = h.inputs(PutCommand);
    expect(bind.ExpressionAttributeValues[':since']).toBe(NOW - 5_000);
    expect(bind.Item.connectedAt).toBe(NOW - 5_000);
  });

  it('a first replacement is accepted at once and protects the new binding for the first window', async () => {
    const h = createHarness(roomRelay);
    givenOldBinding(h);
    expect((await h.handlers.connect(connectEvent('c-new', query))).statusCode).toBe(200);
    expect(peerUpdates(h)).toEqual([
      expect.objectContaining({
        UpdateExpression: 'SET #replaceableAfter = :after, #streak = :streak',
        ConditionExpression: '#connectionId = :connectionId',
        ExpressionAttributeValues: { ':after': NOW + 2_000, ':streak': 1, ':connectionId': 'c-new' },
      }),
    ]);
    expect(h.closedConnections()).toEqual(['c-old']);
  });

  it('replacing a replacement just after its window ended protects the new binding for longer', async () => {
    const h = createHarness(roomRelay);
    givenOldBinding(h, { replaceableAfter: NOW - 1_000, replacementStreak: 2 });
    expect((await h.handlers.connect(connectEvent('c-new', query))).statusCode).toBe(200);
    expect(peerUpdates(h).map((input) => input.ExpressionAttributeValues)).toEqual([{ ':after': NOW + 32_000, ':streak': 3, ':connectionId': 'c-new' }]);
  });

  it('replacing a connection that is not live (its post is Gone: still in its $connect, or dead) leaves the new binding unprotected', async () => {
    const h = createHarness(roomRelay);
    givenOldBinding(h);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-old' }).rejects(goneError());
    expect((await h.handlers.connect(connectEvent('c-new', query))).statusCode).toBe(200);
    expect(peerUpdates(h)).toEqual([]);
    expect(h.closedConnections()).toEqual(['c-old']);
  });

  it('a refused replacement answers 429, closes and tells nobody, and removes its own connection item', async () => {
    const h = createHarness(roomRelay);
    h.dynamo.on(PutCommand, peerPut).rejects(conditionalCheckFailed());
    const result = await h.handlers.connect(connectEvent('c-new', query));
    expect(result).toEqual({ statusCode: 429, body: expect.stringMatching(/contested/) });
    expect(h.posted()).toEqual([]);
    expect(h.closedConnections()).toEqual([]);
    expect(h.inputs(UpdateCommand)).toHaveLength(0);
    expect(h.inputs(DeleteCommand).map((input) => input.Key)).toEqual([connectionKey('c-new')]);
    expect(h.logs.find((line) => line.message === 'connect')).toMatchObject({ outcome: 'refused:contested', roomId: 'room1', peerId: 'alice' });
  });
});
