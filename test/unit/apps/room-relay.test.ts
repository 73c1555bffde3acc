import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createRoomRelay, roomRelay } from '../../../lambda/apps/room-relay.js';
import { pendingRequestKey } from '../../../lambda/store/keys.js';
import { conditionalCheckFailed, createHarness, disconnectEvent, messageEvent, type Harness } from '../support/harness.js';

const joined = (info: Record<string, unknown> = {}) => ({ joined: true, info });

/** alice (c-alice, not yet joined) in room1 with bob and carol joined and dave connected only. */
function roomHarness() {
  const h = createHarness(roomRelay);
  h.givenConnection('c-alice', 'room1', 'alice');
  h.givenConnection('c-bob', 'room1', 'bob');
  h.givenRoom('room1', [
    { peerId: 'alice', connectionId: 'c-alice', data: {} },
    { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    { peerId: 'carol', connectionId: 'c-carol', data: joined({ name: 'Carol' }), version: 1 },
    { peerId: 'dave', connectionId: 'c-dave', data: {} },
  ]);
  return h;
}

/** The same room with alice joined too: relaying needs a joined sender and a joined target. */
function relayHarness() {
  const h = roomHarness();
  h.givenRoom('room1', [
    { peerId: 'alice', connectionId: 'c-alice', data: joined({ name: 'Alice' }), version: 1 },
    { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    { peerId: 'carol', connectionId: 'c-carol', data: joined({ name: 'Carol' }), version: 1 },
    { peerId: 'dave', connectionId: 'c-dave', data: {} },
  ]);
  return h;
}

const request = (id: number, method: string, data?: unknown) => ({ request: true, id, method, ...(data === undefined ? {} : { data }) });

async function send(h: Harness, connectionId: string, body: unknown) {
  await h.handlers.message(messageEvent(connectionId, body));
}

describe('room relay: join', () => {
  it('answers with the other joined peers, stores the info, and greets them with newPeer', async () => {
    const h = roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')).toEqual([
      { response: true, id: 1, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }, { id: 'carol', data: { name: 'Carol' } }] } },
    ]);
    const newPeer = { notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } };
    expect(h.postedTo('c-bob')).toEqual([newPeer]);
    expect(h.postedTo('c-carol')).toEqual([newPeer]);
    expect(h.postedTo('c-dave')).toEqual([]);
    const [update] = h.inputs(UpdateCommand);
    expect(update.ExpressionAttributeValues).toMatchObject({ ':data': { info: { name: 'Alice' } }, ':connectionId': 'c-alice', ':expected': 0 });
  });

  it('reads itself and the roster, writes its info, enrolls, reads the room once, then re-reads the roster (warm Lambda)', async () => {
    const h = roomHarness();
    await send(h, 'c-alice', request(1, 'getPeers')); // warms the identity cache
    h.dynamo.resetHistory();
    await send(h, 'c-alice', request(2, 'join', { data: {} }));
    expect(h.dynamo.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'GetCommand', // own peer item (ownership, version)
      'GetCommand', // roster (already joined? capacity?), in parallel
      'UpdateCommand',
      'UpdateCommand',
      'QueryCommand',
      'GetCommand', // roster again, to settle what the join announced
    ]);
    // Info is written before the roster entry, so whoever sees alice enrolled can read her info.
    const [info, roster] = h.inputs(UpdateCommand);
    expect(info.Key.sk).toBe('PEER#alice');
    expect(roster).toMatchObject({ Key: { sk: 'PEER_ROSTER' }, ReturnValues: 'ALL_NEW', ExpressionAttributeNames: { '#member': 'member:alice' } });
  });

  it('greets only the peers enrolled before it, so simultaneous joiners meet exactly once', async () => {
    const h = roomHarness();
    h.givenConnection('c-dave', 'room1', 'dave');
    await send(h, 'c-alice', request(1, 'join', { data: { name: 'Alice' } }));
    await send(h, 'c-dave', request(2, 'join', { data: { name: 'Dave' } }));
    // Dave enrolled after Alice: he finds her in his answer, she gets newPeer — once each.
    expect(h.postedTo('c-dave').filter((message) => message.response)[0].data.peers.map((p: { id: string }) => p.id)).toEqual(['alice', 'bob', 'carol']);
    expect(h.postedTo('c-alice').filter((message) => message.notification)).toEqual([{ notification: true, method: 'newPeer', data: { id: 'dave', data: { name: 'Dave' } } }]);
    expect(h.postedTo('c-dave').filter((message) => message.notification)).toEqual([]);
  });

  it('rejects with 409 when the roster already holds this connection', async () => {
    const h = roomHarness();
    h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c-alice', data: {}, enrolled: true }]);
    await send(h, 'c-alice', request(1, 'join', { data: {} }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 1, ok: false, errorCode: 409, errorReason: 'already joined' }]);
  });

  it('treats missing data as empty info', async () => {
    const h = roomHarness();
    await send(h, 'c-alice', request(1, 'join'));
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'newPeer', data: { id: 'alice', data: {} } }]);
  });

  it('rejects a second join with 409', async () => {
    const h = roomHarness();
    await send(h, 'c-bob', request(1, 'join', { data: {} }));
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 1, ok: false, errorCode: 409, errorReason: 'already joined' }]);
    expect(h.inputs(UpdateCommand)).toHaveLength(0);
  });

  it('rejects with 409 when a concurrent join wins the conditional write', async () => {
    const h = roomHarness();
    h.dynamo.on(UpdateCommand).rejects(conditionalCheckFailed());
    await send(h, 'c-alice', request(1, 'join', { data: {} }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 1, ok: false, errorCode: 409, errorReason: expect.any(String) }]);
    expect(h.postedTo('c-bob')).toEqual([]);
  });

  it.each([
    ['an array', []],
    ['a string', 'me'],
    ['null', null],
  ])('rejects info that is %s with 400', async (_name, info) => {
    const h = roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: info }));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 1, ok: false, errorCode: 400 });
  });

  // {"blob":"…"} is 11 bytes of JSON around the string: 1013 x's make exactly the default 1024.
  it('takes info of exactly PEER_INFO_MAX_BYTES (1024 by default) and refuses one byte more with 413, writing nothing', async () => {
    const h = roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: { blob: 'x'.repeat(1014) } }));
    expect(h.postedTo('c-alice')[0]).toEqual({ response: true, id: 1, ok: false, errorCode: 413, errorReason: 'peer info exceeds 1024 bytes' });
    expect(h.inputs(UpdateCommand)).toHaveLength(0);
    await send(h, 'c-alice', request(2, 'join', { data: { blob: 'x'.repeat(1013) } }));
    expect(h.postedTo('c-alice')[1]).toMatchObject({ id: 2, ok: true });
  });
});

describe('room relay: getPeers', () => {
  it('lists the joined peers other than the caller', async () => {
    const h = roomHarness();
    await send(h, 'c-bob', request(4, 'getPeers'));
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 4, ok: true, data: { peers: [{ id: 'carol', data: { name: 'Carol' } }] } }]);
  });
});

describe('room relay: peerRequest', () => {
  it('relays the request to the target with from, persisting it for the answer', async () => {
    const h = relayHarness();
    await send(h, 'c-alice', request(10, 'peerRequest', { peerId: 'bob', method: 'offer', data: { sdp: 'v=0' } }));
    const [toBob] = h.postedTo('c-bob');
    expect(toBob).toEqual({ request: true, id: expect.any(Number), method: 'offer', data: { from: 'alice', data: { sdp: 'v=0' } } });
    // No answer yet: it arrives in another invocation.
    expect(h.postedTo('c-alice')).toEqual([]);
    const pending = h.inputs(PutCommand).find((input) => input.Item.sk.startsWith('REQ#'));
    expect(pending.Item).toMatchObject({
      ...pendingRequestKey('room1', 'c-bob', toBob.id),
      method: 'offer',
      state: { replyTo: { connectionId: 'c-alice', requestId: 10 } },
    });
  });

  function givenPendingOnBob(h: Harness, id: number) {
    h.dynamo.on(DeleteCommand, { Key: pendingRequestKey('room1', 'c-bob', id) }).resolves({
      Attributes: {
        ...pendingRequestKey('room1', 'c-bob', id),
        roomId: 'room1',
        targetConnectionId: 'c-bob',
        requestId: id,
        method: 'offer',
        state: { replyTo: { connectionId: 'c-alice', requestId: 10 } },
        expiresAt: Math.floor(Date.parse('2026-11-29T12:00:00Z') / 1000) + 60,
      },
    });
  }

  it("returns the target's accept data to the origin, in one DeleteItem", async () => {
    const h = relayHarness();
    givenPendingOnBob(h, 555);
    await send(h, 'c-bob', { response: true, id: 555, ok: true, data: { sdp: 'answer' } });
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 10, ok: true, data: { sdp: 'answer' } }]);
    expect(h.dynamo.calls().map((call) => call.args[0].constructor.name)).toEqual(['GetCommand', 'DeleteCommand']);
    expect(h.inputs(DeleteCommand)[0]).toMatchObject({ Key: pendingRequestKey('room1', 'c-bob', 555), ReturnValues: 'ALL_OLD' });
  });

  it("returns the target's reject with the same code and reason", async () => {
    const h = relayHarness();
    givenPendingOnBob(h, 556);
    await send(h, 'c-bob', { response: true, id: 556, ok: false, errorCode: 488, errorReason: 'not acceptable here' });
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 10, ok: false, errorCode: 488, errorReason: 'not acceptable here' }]);
  });

  it('answers the origin with an error when the target leaves before answering', async () => {
    const h = relayHarness();
    givenPendingOnBob(h, 557);
    h.dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#room1', ':prefix': 'REQ#c-bob#' } })
      .resolves({ Items: [{ ...pendingRequestKey('room1', 'c-bob', 557), roomId: 'room1', targetConnectionId: 'c-bob', requestId: 557, method: 'offer', state: {} }] });
    await h.handlers.disconnect(disconnectEvent('c-bob'));
    expect(h.postedTo('c-alice')).toEqual([
      { response: true, id: 10, ok: false, errorCode: 410, errorReason: 'peer closed' },
      // alice is joined, so she also hears that bob left.
      { notification: true, method: 'peerClosed', data: { peerId: 'bob' } },
    ]);
  });

  it('answers 404 when the target is not in the room', async () => {
    const h = relayHarness();
    await send(h, 'c-alice', request(11, 'peerRequest', { peerId: 'zoe', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 11, ok: false, errorCode: 404, errorReason: 'peer "zoe" is not in the room' }]);
  });

  it.each([
    ['no peerId', { method: 'offer' }],
    ['a numeric peerId', { peerId: 3, method: 'offer' }],
    ['no method', { peerId: 'bob' }],
    ['an empty method', { peerId: 'bob', method: '' }],
    ['array data', { peerId: 'bob', method: 'offer', data: [1] }],
    ['a peerId that is no valid id (1,100 characters)', { peerId: 'p'.repeat(1100), method: 'offer' }],
    ['a peerId with a space', { peerId: 'bad id', method: 'offer' }],
  ])('answers 400 to %s', async (_name, data) => {
    const h = relayHarness();
    await send(h, 'c-alice', request(12, 'peerRequest', data));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 12, ok: false, errorCode: 400 });
    expect(h.postedTo('c-bob')).toEqual([]);
  });

  it('answers the origin with an error when the target is gone', async () => {
    const h = relayHarness();
    h.api.on((await import('@aws-sdk/client-apigatewaymanagementapi')).PostToConnectionCommand, { ConnectionId: 'c-bob' }).rejects(Object.assign(new Error('gone'), { name: 'GoneException' }));
    // The pending item written for bob is found by the Gone cleanup.
    h.dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#room1', ':prefix': 'REQ#c-bob#' } }).callsFake(() => {
      const put = h.inputs(PutCommand).find((input) => input.Item.sk.startsWith('REQ#c-bob#'));
      return { Items: put ? [put.Item] : [] };
    });
    h.dynamo.on(DeleteCommand).callsFake((input) => {
      const put = h.inputs(PutCommand).find((candidate) => candidate.Item.sk === input.Key.sk);
      return { Attributes: put?.Item };
    });
    await send(h, 'c-alice', request(13, 'peerRequest', { peerId: 'bob', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([
      { response: true, id: 13, ok: false, errorCode: 410, errorReason: 'peer closed' },
      // alice is joined, so she also hears that bob left.
      { notification: true, method: 'peerClosed', data: { peerId: 'bob' } },
    ]);
  });
});

describe('room relay: payloads that would exceed 128 KB once relayed', () => {
  const nearLimit = { blob: 'x'.repeat(128 * 1024 - 60) };

  it('answers peerRequest with 413 and leaves no pending request behind', async () => {
    const h = relayHarness();
    await send(h, 'c-alice', request(30, 'peerRequest', { peerId: 'bob', method: 'offer', data: nearLimit }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 30, ok: false, errorCode: 413, errorReason: expect.any(String) }]);
    expect(h.postedTo('c-bob')).toEqual([]);
    const pendingPut = h.inputs(PutCommand).find((input) => input.Item.sk.startsWith('REQ#'));
    expect(h.inputs(DeleteCommand).map((input) => input.Key)).toContainEqual({ pk: pendingPut.Item.pk, sk: pendingPut.Item.sk });
  });

  it('answers a broadcast peerNotify with 413, posting to nobody', async () => {
    const h = relayHarness();
    await send(h, 'c-bob', request(31, 'peerNotify', { method: 'chat', data: nearLimit }));
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 31, ok: false, errorCode: 413, errorReason: expect.any(String) }]);
    expect(h.postedTo('c-carol')).toEqual([]);
  });
});

describe('room relay: relaying needs a joined sender', () => {
  it.each(['peerRequest', 'peerNotify'])('%s from a peer that has not joined is 403, reaching nobody', async (method) => {
    const h = roomHarness();
    await send(h, 'c-alice', request(95, method, { peerId: 'bob', method: 'x' }));
    await send(h, 'c-alice', request(96, method, { method: 'x' }));
    const answers = h.postedTo('c-alice');
    expect(answers[0]).toMatchObject({ id: 95, ok: false, errorCode: 403, errorReason: 'join the room first' });
    expect(h.postedTo('c-bob')).toEqual([]);
    expect(h.postedTo('c-carol')).toEqual([]);
  });
});

describe('room relay: a connection that lost its peerId to one that has not joined yet', () => {
  it.each(['peerRequest', 'peerNotify'])('%s is answered 403 and the connection closed, reaching nobody', async (method) => {
    const h = createHarness(roomRelay);
    h.givenConnection('c-alice-old', 'room1', 'alice');
    // alice's peerId is bound to her new connection, which has not joined; nobody is on the roster as alice.
    h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice-new', data: {} },
      { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    ]);
    await send(h, 'c-alice-old', request(97, method, { peerId: 'bob', method: 'x' }));
    expect(h.postedTo('c-alice-old')).toEqual([{ response: true, id: 97, ok: false, errorCode: 403, errorReason: expect.stringContaining('belongs to another connection') }]);
    expect(h.closedConnections()).toEqual(['c-alice-old']);
    expect(h.postedTo('c-bob')).toEqual([]);
  });

  it('a relay from a joined peer does not pay that read', async () => {
    const h = relayHarness();
    await send(h, 'c-alice', request(98, 'peerNotify', { peerId: 'bob', method: 'x' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 98, ok: true, data: { delivered: 1 } }]);
    expect(h.inputs(GetCommand).map((input) => input.Key.sk)).toEqual(['CONN', 'PEER_ROSTER']); // alice's identity (cold), the roster
  });
});

describe('room relay: peerNotify', () => {
  it('notifies one target with from and answers delivered 1', async () => {
    const h = relayHarness();
    await send(h, 'c-alice', request(20, 'peerNotify', { peerId: 'carol', method: 'chat', data: { text: 'hi' } }));
    expect(h.postedTo('c-carol')).toEqual([{ notification: true, method: 'chat', data: { from: 'alice', data: { text: 'hi' } } }]);
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 20, ok: true, data: { delivered: 1 } }]);
  });

  it('notifies every other joined peer without peerId, reading only the roster', async () => {
    const h = roomHarness();
    await send(h, 'c-bob', request(21, 'peerNotify', { method: 'chat' }));
    expect(h.postedTo('c-carol')).toEqual([{ notification: true, method: 'chat', data: { from: 'bob', data: {} } }]);
    expect(h.postedTo('c-alice')).toEqual([]);
    expect(h.postedTo('c-dave')).toEqual([]);
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 21, ok: true, data: { delivered: 1 } }]);
    expect(h.dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(h.inputs(GetCommand).map((input) => input.Key.sk)).toEqual(['CONN', 'PEER_ROSTER']); // bob's identity (cold), the roster
  });

  it('answers 404 for a target not in the room', async () => {
    const h = relayHarness();
    await send(h, 'c-alice', request(22, 'peerNotify', { peerId: 'zoe', method: 'chat' }));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 22, ok: false, errorCode: 404 });
  });

  it.each([
    ['no method', {}],
    ['a numeric peerId', { peerId: 1, method: 'chat' }],
    ['string data', { method: 'chat', data: 'x' }],
    ['a peerId that is no valid id (1,100 characters)', { peerId: 'p'.repeat(1100), method: 'chat' }],
  ])('answers 400 to %s', async (_name, data) => {
    const h = relayHarness();
    await send(h, 'c-alice', request(23, 'peerNotify', data));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 23, ok: false, errorCode: 400 });
  });
});

describe('room relay: a peer still inside its $connect', () => {
  // API Gateway answers Gone to posts until the handshake completes.
  function connectingHarness() {
    const h = roomHarness();
    h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: joined(), version: 1 },
      // Version 0 and bound 2 s ago, yet on the roster: the runtime's rule for a binding still inside $connect.
      { peerId: 'erin', connectionId: 'c-erin', data: {}, enrolled: true, boundAt: Date.parse('2026-11-29T12:00:00Z') - 2_000 },
    ]);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-erin' }).rejects(Object.assign(new Error('gone'), { name: 'GoneException' }));
    return h;
  }

  it('counts a notification to it as not delivered, and keeps the peer', async () => {
    const h = connectingHarness();
    await send(h, 'c-alice', request(40, 'peerNotify', { peerId: 'erin', method: 'chat' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 40, ok: true, data: { delivered: 0 } }]);
    expect(h.inputs(DeleteCommand).filter((input) => input.Key.sk === 'PEER#erin')).toEqual([]);
  });

  it('treats a young peer that already joined (so its handshake completed) as gone', async () => {
    const h = roomHarness();
    h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: joined(), version: 1 },
      { peerId: 'erin', connectionId: 'c-erin', data: joined(), version: 1, boundAt: Date.parse('2026-11-29T12:00:00Z') - 2_000 },
    ]);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-erin' }).rejects(Object.assign(new Error('gone'), { name: 'GoneException' }));
    await send(h, 'c-alice', request(42, 'peerNotify', { peerId: 'erin', method: 'chat' }));
    expect(h.inputs(DeleteCommand).filter((input) => input.Key.sk === 'PEER#erin')).toHaveLength(1);
  });

  it('treats a young peer that was already sent a request (so it was open) as gone', async () => {
    const h = connectingHarness();
    h.dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#room1', ':prefix': 'REQ#c-erin#' } })
      .resolves({ Items: [{ ...pendingRequestKey('room1', 'c-erin', 77), roomId: 'room1', targetConnectionId: 'c-erin', requestId: 77, method: 'offer', state: {} }] });
    await send(h, 'c-alice', request(43, 'peerNotify', { peerId: 'erin', method: 'chat' }));
    expect(h.inputs(DeleteCommand).filter((input) => input.Key.sk === 'PEER#erin')).toHaveLength(1);
  });

  it('fails a request to it at once with 410, keeping the peer', async () => {
    const h = connectingHarness();
    h.dynamo.on(DeleteCommand).callsFake((input) => ({ Attributes: h.inputs(PutCommand).find((put) => put.Item.sk === input.Key.sk)?.Item }));
    await send(h, 'c-alice', request(41, 'peerRequest', { peerId: 'erin', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 41, ok: false, errorCode: 410, errorReason: 'peer is still connecting' }]);
    expect(h.inputs(DeleteCommand).filter((input) => input.Key.sk === 'PEER#erin')).toEqual([]);
  });
});

describe('room relay: notifications only the server may send', () => {
  it.each(['newPeer', 'peerClosed', 'peerReplaced'])('refuses to relay %s with 400', async (method) => {
    const h = roomHarness();
    await send(h, 'c-alice', request(50, 'peerNotify', { peerId: 'bob', method }));
    await send(h, 'c-alice', request(51, 'peerNotify', { method }));
    expect(h.postedTo('c-alice').map((message) => message.errorCode)).toEqual([400, 400]);
    expect(h.postedTo('c-bob')).toEqual([]);
  });
});

describe('room relay: a join that failed half way', () => {
  it('can be retried when the info was written but the roster entry was not', async () => {
    const h = roomHarness();
    h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: { joined: true, info: {} }, version: 1, enrolled: false },
      { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    ]);
    await send(h, 'c-alice', request(60, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 60, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }] } }]);
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } }]);
  });
});

describe('room relay: answers protoo-client sends to a relayed request', () => {
  function givenPending(h: Harness, id: number) {
    h.dynamo.on(DeleteCommand, { Key: pendingRequestKey('room1', 'c-bob', id) }).resolves({
      Attributes: { roomId: 'room1', targetConnectionId: 'c-bob', requestId: id, method: 'offer', state: { replyTo: { connectionId: 'c-alice', requestId: 10 } } },
    });
  }

  it.each([
    ['reject()', { ok: false }, { ok: false, errorCode: 500, errorReason: 'request rejected' }],
    ["reject('busy')", { ok: false, errorCode: 'busy' }, { ok: false, errorCode: 500, errorReason: 'busy' }],
    ["accept('str')", { ok: true, data: 'str' }, { ok: true, data: 'str' }],
    ['accept([1, 2])', { ok: true, data: [1, 2] }, { ok: true, data: [1, 2] }],
  ])('relays %s instead of leaving the caller to time out', async (_name, answer, relayed) => {
    const h = roomHarness();
    givenPending(h, 900);
    await send(h, 'c-bob', { response: true, id: 900, ...answer });
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 10, ...relayed }]);
  });
});

describe('room relay: a join that fails after enrolling leaves nothing behind', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } });

  it('a store error reading the room: off the roster again, nobody told, and a retry joins', async () => {
    const h = roomHarness();
    const { roster } = h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: {} },
      { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    ]);
    h.dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#room1', ':prefix': 'PEER' } }).rejectsOnce(throttled());
    await send(h, 'c-alice', request(70, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 70, ok: false, errorCode: 503, errorReason: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]+\)$/) }]);
    expect(roster.has('member:alice')).toBe(false);
    expect(h.postedTo('c-bob')).toEqual([]);

    // The store recovers (the same room, read afresh: alice is not on the roster).
    const again = h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: {} },
      { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    ]);
    await send(h, 'c-alice', request(71, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')[1]).toEqual({ response: true, id: 71, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }] } });
    expect(again.roster.get('member:alice')?.connectionId).toBe('c-alice');
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } }]);
  });

  it('an answer that cannot be posted: off the roster again, and whoever may have heard newPeer hears peerClosed', async () => {
    const h = roomHarness();
    const { roster } = h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: {} },
      { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    ]);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-alice' }).rejectsOnce(Object.assign(new Error('Internal'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
    await send(h, 'c-alice', request(72, 'join', { data: { name: 'Alice' } }));
    expect(roster.has('member:alice')).toBe(false);
    // Told nothing, or told and then corrected: never left believing alice joined.
    expect(h.postedTo('c-bob').map((message) => message.method).at(-1) ?? 'peerClosed').toBe('peerClosed');
    await send(h, 'c-alice', request(73, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice').at(-1)).toMatchObject({ id: 73, ok: true });
    expect(h.postedTo('c-bob').at(-1)).toEqual({ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } });
  });

  it('a peer that left while its join was being announced is corrected with peerClosed', async () => {
    const h = roomHarness();
    const { roster } = h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: {} },
      { peerId: 'bob', connectionId: 'c-bob', data: joined({ name: 'Bob' }), version: 1 },
    ]);
    // Alice's connection closes just as bob hears newPeer: her leave runs before the join settles.
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).callsFake(() => {
      roster.delete('member:alice');
      return {};
    });
    await send(h, 'c-alice', request(74, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-bob')).toEqual([
      { notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } },
      { notification: true, method: 'peerClosed', data: { peerId: 'alice' } },
    ]);
  });

  it('a room at its capacity refuses with 403 before writing anything', async () => {
    const h = createHarness(createRoomRelay({ maxPeers: 2, maxInfoBytes: 64 }));
    h.givenConnection('c-alice', 'room1', 'alice');
    h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', data: {} },
      { peerId: 'bob', connectionId: 'c-bob', data: joined(), version: 1 },
      { peerId: 'carol', connectionId: 'c-carol', data: joined(), version: 1 },
    ]);
    await send(h, 'c-alice', request(75, 'join', { data: {} }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 75, ok: false, errorCode: 403, errorReason: 'room is full (2 peers)' }]);
    expect(h.inputs(UpdateCommand)).toEqual([]);
  });
});

describe('room relay: a bug inside the store never puts its text on the wire', () => {
  it('a malformed answer from DynamoDB (a TypeError in the store) is a 500 with an id, not the TypeError text', async () => {
    const h = roomHarness();
    h.dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#room1', ':prefix': 'PEER' } }).resolves(undefined as never);
    await send(h, 'c-bob', request(80, 'getPeers'));
    const [answer] = h.postedTo('c-bob');
    expect(answer).toMatchObject({ id: 80, ok: false, errorCode: 500, errorReason: expect.stringMatching(/^internal error \(id [0-9a-f]+\)$/) });
    expect(h.logs.some((line) => line.level === 'error' && JSON.stringify(line).includes("reading 'Items'"))).toBe(true);
  });
});

describe('room relay: a peer the Management API cannot reach (timed out, 5xx, 429)', () => {
  const unreachable = () => Object.assign(new Error('LimitExceededException'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });

  it('a relayed request to it fails at once with 504, leaving no pending request behind, and keeps the peer', async () => {
    const h = relayHarness();
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).rejects(unreachable());
    h.dynamo.on(DeleteCommand).callsFake((input) => ({ Attributes: h.inputs(PutCommand).find((put) => put.Item.sk === input.Key.sk)?.Item }));
    await send(h, 'c-alice', request(90, 'peerRequest', { peerId: 'bob', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 90, ok: false, errorCode: 504, errorReason: 'peer unreachable' }]);
    const pending = h.inputs(PutCommand).find((input) => input.Item.sk.startsWith('REQ#c-bob#'));
    expect(h.inputs(DeleteCommand).map((input) => input.Key.sk)).toEqual([pending.Item.sk]);
  });

  it('a notification to it is not delivered ({delivered: 0}), and the peer is kept', async () => {
    const h = relayHarness();
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).rejects(unreachable());
    await send(h, 'c-alice', request(91, 'peerNotify', { peerId: 'bob', method: 'chat' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 91, ok: true, data: { delivered: 0 } }]);
    expect(h.inputs(DeleteCommand)).toEqual([]);
  });
});
