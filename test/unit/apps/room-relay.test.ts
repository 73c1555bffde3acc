/**
 * The room relay on the in-memory store (real roster and conditional-write
 * semantics, test/unit/support/memory-harness.ts): what each client hears,
 * what the store holds afterwards, and which store calls a path costs. The
 * Management API, the AWS boundary of delivery, is mocked. One test about
 * a malformed DynamoDB answer stays on the SDK-mock harness at the end.
 */
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createRoomRelay, roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHarness } from '../support/harness.js';
import {
  NOW,
  createMemoryHarness,
  disconnectEvent,
  goneError,
  messageEvent,
  type GivenPeer,
  type MemoryHarness,
  type StoreMethod,
} from '../support/memory-harness.js';

/** A peer that joined: its info written once (version 1), then enrolled. */
const joined = (info: Record<string, unknown> = {}) => ({ data: { info }, version: 1, enrolled: true });

const BOB: GivenPeer = { peerId: 'bob', connectionId: 'c-bob', ...joined({ name: 'Bob' }) };
const CAROL: GivenPeer = { peerId: 'carol', connectionId: 'c-carol', ...joined({ name: 'Carol' }) };

/** alice (c-alice, not yet joined) in room1 with bob and carol joined and dave connected only. */
async function roomHarness(app = roomRelay, alice: Partial<GivenPeer> = {}) {
  const h = createMemoryHarness(app);
  await h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c-alice', ...alice }, BOB, CAROL, { peerId: 'dave', connectionId: 'c-dave' }]);
  return h;
}

/** The same room with alice joined too: relaying needs a joined sender and a joined target. */
const relayHarness = () => roomHarness(roomRelay, joined({ name: 'Alice' }));

/** alice not yet joined, bob joined, nobody else. */
async function aliceAndBob(alice: Partial<GivenPeer> = {}) {
  const h = createMemoryHarness(roomRelay);
  await h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c-alice', ...alice }, BOB]);
  return h;
}

const ALICE = { roomId: 'room1', peerId: 'alice', connectionId: 'c-alice' };
const WRITES: StoreMethod[] = ['putConnection', 'deleteConnection', 'bindPeer', 'protectBinding', 'enroll', 'leaveRoster', 'updatePeerData', 'unbindPeer', 'putPendingRequest', 'takePendingRequest'];
const writesOf = (h: MemoryHarness) => h.store.methods().filter((method) => WRITES.includes(method));

const request = (id: number, method: string, data?: unknown) => ({ request: true, id, method, ...(data === undefined ? {} : { data }) });

async function send(h: MemoryHarness, connectionId: string, body: unknown) {
  await h.handlers.message(messageEvent(connectionId, body));
}

const offerFromAlice = (requestId: number) => ({
  roomId: 'room1',
  targetConnectionId: 'c-bob',
  requestId,
  method: 'offer',
  state: { replyTo: { connectionId: 'c-alice', requestId: 10 } },
});

describe('room relay: join', () => {
  it('answers with the other joined peers, stores the info, and greets them with newPeer', async () => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')).toEqual([
      { response: true, id: 1, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }, { id: 'carol', data: { name: 'Carol' } }] } },
    ]);
    const newPeer = { notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } };
    expect(h.postedTo('c-bob')).toEqual([newPeer]);
    expect(h.postedTo('c-carol')).toEqual([newPeer]);
    expect(h.postedTo('c-dave')).toEqual([]);
    // Written once over the binding $connect made (version 0), by this connection; and enrolled with it.
    expect(await h.peer('room1', 'alice')).toMatchObject({ connectionId: 'c-alice', data: { info: { name: 'Alice' } }, version: 1 });
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob', carol: 'c-carol', alice: 'c-alice' });
  });

  it('reads itself and the roster, writes its info, enrolls, reads the room once, then re-reads the roster (warm Lambda)', async () => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(1, 'getPeers')); // warms the identity cache
    h.store.resetCalls();
    await send(h, 'c-alice', request(2, 'join', { data: {} }));
    expect(h.store.methods()).toEqual([
      'getPeer', // own peer item (ownership, version)
      'getRoster', // already joined? capacity? (in parallel)
      'updatePeerData',
      'enroll',
      'listRoom',
      'getRoster', // again, to settle what the join announced
    ]);
    // Info is written before the roster entry, so whoever sees alice enrolled can read her info.
    expect(h.store.argsOf('updatePeerData')).toEqual([[ALICE, 0, { info: {} }]]);
    expect(h.store.argsOf('enroll')).toEqual([[ALICE, 100]]);
  });

  it('greets only the peers enrolled before it, so simultaneous joiners meet exactly once', async () => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: { name: 'Alice' } }));
    await send(h, 'c-dave', request(2, 'join', { data: { name: 'Dave' } }));
    // Dave enrolled after Alice: he finds her in his answer, she gets newPeer — once each.
    expect(h.postedTo('c-dave').filter((message) => message.response)[0].data.peers.map((p: { id: string }) => p.id)).toEqual(['alice', 'bob', 'carol']);
    expect(h.postedTo('c-alice').filter((message) => message.notification)).toEqual([{ notification: true, method: 'newPeer', data: { id: 'dave', data: { name: 'Dave' } } }]);
    expect(h.postedTo('c-dave').filter((message) => message.notification)).toEqual([]);
  });

  it('rejects with 409 when the roster already holds this connection', async () => {
    const h = await roomHarness(roomRelay, { enrolled: true });
    await send(h, 'c-alice', request(1, 'join', { data: {} }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 1, ok: false, errorCode: 409, errorReason: 'already joined' }]);
  });

  it('treats missing data as empty info', async () => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(1, 'join'));
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'newPeer', data: { id: 'alice', data: {} } }]);
  });

  it('rejects a second join with 409', async () => {
    const h = await roomHarness();
    await send(h, 'c-bob', request(1, 'join', { data: {} }));
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 1, ok: false, errorCode: 409, errorReason: 'already joined' }]);
    expect(writesOf(h)).toEqual([]);
    expect(await h.peer('room1', 'bob')).toMatchObject({ data: { info: { name: 'Bob' } }, version: 1 });
  });

  it('rejects with 409 when a concurrent join wins the conditional write', async () => {
    const h = await roomHarness();
    // Between this join's read of alice (version 0) and its write, another join of hers writes first.
    h.store.beforeNext('updatePeerData', () => h.memory.updatePeerData(ALICE, 0, { info: { name: 'First' } }));
    await send(h, 'c-alice', request(1, 'join', { data: {} }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 1, ok: false, errorCode: 409, errorReason: expect.any(String) }]);
    expect(h.postedTo('c-bob')).toEqual([]);
    // The winner's write stands, and this join enrolled nobody.
    expect(await h.peer('room1', 'alice')).toMatchObject({ data: { info: { name: 'First' } }, version: 1 });
    expect(h.store.count('enroll')).toBe(0);
  });

  it.each([
    ['an array', []],
    ['a string', 'me'],
    ['null', null],
  ])('rejects info that is %s with 400', async (_name, info) => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: info }));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 1, ok: false, errorCode: 400 });
  });

  // {"blob":"…"} is 11 bytes of JSON around the string: 1013 x's make exactly the default 1024.
  it('takes info of exactly PEER_INFO_MAX_BYTES (1024 by default) and refuses one byte more with 413, writing nothing', async () => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(1, 'join', { data: { blob: 'x'.repeat(1014) } }));
    expect(h.postedTo('c-alice')[0]).toEqual({ response: true, id: 1, ok: false, errorCode: 413, errorReason: 'peer info exceeds 1024 bytes' });
    expect(writesOf(h)).toEqual([]);
    expect(await h.peer('room1', 'alice')).toMatchObject({ data: {}, version: 0 });
    await send(h, 'c-alice', request(2, 'join', { data: { blob: 'x'.repeat(1013) } }));
    expect(h.postedTo('c-alice')[1]).toMatchObject({ id: 2, ok: true });
  });
});

describe('room relay: getPeers', () => {
  it('lists the joined peers other than the caller', async () => {
    const h = await roomHarness();
    await send(h, 'c-bob', request(4, 'getPeers'));
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 4, ok: true, data: { peers: [{ id: 'carol', data: { name: 'Carol' } }] } }]);
  });
});

describe('room relay: peerRequest', () => {
  it('relays the request to the target with from, persisting it for the answer', async () => {
    const h = await relayHarness();
    await send(h, 'c-alice', request(10, 'peerRequest', { peerId: 'bob', method: 'offer', data: { sdp: 'v=0' } }));
    const [toBob] = h.postedTo('c-bob');
    expect(toBob).toEqual({ request: true, id: expect.any(Number), method: 'offer', data: { from: 'alice', data: { sdp: 'v=0' } } });
    // No answer yet: it arrives in another invocation.
    expect(h.postedTo('c-alice')).toEqual([]);
    expect(await h.pending('room1', 'c-bob')).toEqual([offerFromAlice(toBob.id)]);
  });

  it("returns the target's accept data to the origin, taking the pending request in one store call", async () => {
    const h = await relayHarness();
    await h.givenPending(offerFromAlice(555));
    await send(h, 'c-bob', { response: true, id: 555, ok: true, data: { sdp: 'answer' } });
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 10, ok: true, data: { sdp: 'answer' } }]);
    expect(h.store.methods()).toEqual(['getConnection', 'takePendingRequest']); // bob's identity (cold), the request
    expect(h.store.argsOf('takePendingRequest')).toEqual([['room1', 'c-bob', 555]]);
    expect(await h.pending('room1', 'c-bob')).toEqual([]);
  });

  it("returns the target's reject with the same code and reason", async () => {
    const h = await relayHarness();
    await h.givenPending(offerFromAlice(556));
    await send(h, 'c-bob', { response: true, id: 556, ok: false, errorCode: 488, errorReason: 'not acceptable here' });
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 10, ok: false, errorCode: 488, errorReason: 'not acceptable here' }]);
  });

  it('answers the origin with an error when the target leaves before answering', async () => {
    const h = await relayHarness();
    await h.givenPending(offerFromAlice(557));
    await h.handlers.disconnect(disconnectEvent('c-bob'));
    expect(h.postedTo('c-alice')).toEqual([
      { response: true, id: 10, ok: false, errorCode: 410, errorReason: 'peer closed' },
      // alice is joined, so she also hears that bob left.
      { notification: true, method: 'peerClosed', data: { peerId: 'bob' } },
    ]);
    expect(await h.pending('room1', 'c-bob')).toEqual([]);
  });

  it('answers 404 when the target is not in the room', async () => {
    const h = await relayHarness();
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
    const h = await relayHarness();
    await send(h, 'c-alice', request(12, 'peerRequest', data));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 12, ok: false, errorCode: 400 });
    expect(h.postedTo('c-bob')).toEqual([]);
  });

  it('answers the origin with an error when the target is gone', async () => {
    const h = await relayHarness();
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).rejects(goneError());
    await send(h, 'c-alice', request(13, 'peerRequest', { peerId: 'bob', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([
      { response: true, id: 13, ok: false, errorCode: 410, errorReason: 'peer closed' },
      // alice is joined, so she also hears that bob left.
      { notification: true, method: 'peerClosed', data: { peerId: 'bob' } },
    ]);
    // The request written for bob was found by the Gone cleanup, and bob ended.
    expect(await h.pending('room1', 'c-bob')).toEqual([]);
    expect(await h.peer('room1', 'bob')).toBeUndefined();
    expect(await h.roster('room1')).not.toHaveProperty('bob');
  });
});

describe('room relay: payloads that would exceed 128 KB once relayed', () => {
  const nearLimit = { blob: 'x'.repeat(128 * 1024 - 60) };

  it('answers peerRequest with 413 and leaves no pending request behind', async () => {
    const h = await relayHarness();
    await send(h, 'c-alice', request(30, 'peerRequest', { peerId: 'bob', method: 'offer', data: nearLimit }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 30, ok: false, errorCode: 413, errorReason: expect.any(String) }]);
    expect(h.postedTo('c-bob')).toEqual([]);
    // Written before the post was attempted, then taken again.
    expect(h.store.count('putPendingRequest')).toBe(1);
    expect(await h.pending('room1', 'c-bob')).toEqual([]);
  });

  it('answers a broadcast peerNotify with 413, posting to nobody', async () => {
    const h = await relayHarness();
    await send(h, 'c-bob', request(31, 'peerNotify', { method: 'chat', data: nearLimit }));
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 31, ok: false, errorCode: 413, errorReason: expect.any(String) }]);
    expect(h.postedTo('c-carol')).toEqual([]);
  });
});

describe('room relay: relaying needs a joined sender', () => {
  it.each(['peerRequest', 'peerNotify'])('%s from a peer that has not joined is 403, reaching nobody', async (method) => {
    const h = await roomHarness();
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
    const h = createMemoryHarness(roomRelay);
    await h.givenConnection('c-alice-old', 'room1', 'alice');
    // alice's peerId is bound to her new connection, which has not joined; nobody is on the roster as alice.
    await h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c-alice-new' }, BOB]);
    await send(h, 'c-alice-old', request(97, method, { peerId: 'bob', method: 'x' }));
    expect(h.postedTo('c-alice-old')).toEqual([{ response: true, id: 97, ok: false, errorCode: 403, errorReason: expect.stringContaining('belongs to another connection') }]);
    expect(h.closedConnections()).toEqual(['c-alice-old']);
    expect(h.postedTo('c-bob')).toEqual([]);
    // The new binding is left alone.
    expect(await h.peer('room1', 'alice')).toMatchObject({ connectionId: 'c-alice-new' });
  });

  it('a relay from a joined peer does not pay that read', async () => {
    const h = await relayHarness();
    await send(h, 'c-alice', request(98, 'peerNotify', { peerId: 'bob', method: 'x' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 98, ok: true, data: { delivered: 1 } }]);
    expect(h.store.methods()).toEqual(['getConnection', 'getRoster']); // alice's identity (cold), the roster
  });
});

describe('room relay: peerNotify', () => {
  it('notifies one target with from and answers delivered 1', async () => {
    const h = await relayHarness();
    await send(h, 'c-alice', request(20, 'peerNotify', { peerId: 'carol', method: 'chat', data: { text: 'hi' } }));
    expect(h.postedTo('c-carol')).toEqual([{ notification: true, method: 'chat', data: { from: 'alice', data: { text: 'hi' } } }]);
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 20, ok: true, data: { delivered: 1 } }]);
  });

  it('notifies every other joined peer without peerId, reading only the roster', async () => {
    const h = await roomHarness();
    await send(h, 'c-bob', request(21, 'peerNotify', { method: 'chat' }));
    expect(h.postedTo('c-carol')).toEqual([{ notification: true, method: 'chat', data: { from: 'bob', data: {} } }]);
    expect(h.postedTo('c-alice')).toEqual([]);
    expect(h.postedTo('c-dave')).toEqual([]);
    expect(h.postedTo('c-bob')).toEqual([{ response: true, id: 21, ok: true, data: { delivered: 1 } }]);
    expect(h.store.methods()).toEqual(['getConnection', 'getRoster']); // bob's identity (cold), the roster
  });

  it('answers 404 for a target not in the room', async () => {
    const h = await relayHarness();
    await send(h, 'c-alice', request(22, 'peerNotify', { peerId: 'zoe', method: 'chat' }));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 22, ok: false, errorCode: 404 });
  });

  it.each([
    ['no method', {}],
    ['a numeric peerId', { peerId: 1, method: 'chat' }],
    ['string data', { method: 'chat', data: 'x' }],
    ['a peerId that is no valid id (1,100 characters)', { peerId: 'p'.repeat(1100), method: 'chat' }],
  ])('answers 400 to %s', async (_name, data) => {
    const h = await relayHarness();
    await send(h, 'c-alice', request(23, 'peerNotify', data));
    expect(h.postedTo('c-alice')[0]).toMatchObject({ id: 23, ok: false, errorCode: 400 });
  });
});

describe('room relay: a peer still inside its $connect', () => {
  // API Gateway answers Gone to posts until the handshake completes.
  async function connectingHarness(erin: Partial<GivenPeer> = {}) {
    const h = createMemoryHarness(roomRelay);
    await h.givenRoom('room1', [
      { peerId: 'alice', connectionId: 'c-alice', ...joined() },
      // Version 0 and bound 2 s ago, yet on the roster: the runtime's rule for a binding still inside $connect.
      { peerId: 'erin', connectionId: 'c-erin', enrolled: true, boundAt: NOW - 2_000, ...erin },
    ]);
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-erin' }).rejects(goneError());
    return h;
  }

  const erinKept = async (h: MemoryHarness) => {
    expect(await h.peer('room1', 'erin')).toMatchObject({ connectionId: 'c-erin', version: 0 });
    expect(await h.roster('room1')).toMatchObject({ erin: 'c-erin' });
  };
  const erinEnded = async (h: MemoryHarness) => {
    expect(await h.peer('room1', 'erin')).toBeUndefined();
    expect(await h.roster('room1')).toEqual({ alice: 'c-alice' });
  };

  it('counts a notification to it as not delivered, and keeps the peer', async () => {
    const h = await connectingHarness();
    await send(h, 'c-alice', request(40, 'peerNotify', { peerId: 'erin', method: 'chat' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 40, ok: true, data: { delivered: 0 } }]);
    await erinKept(h);
    expect(h.store.count('unbindPeer')).toBe(0);
  });

  it('treats a young peer that already joined (so its handshake completed) as gone', async () => {
    const h = await connectingHarness(joined());
    await send(h, 'c-alice', request(42, 'peerNotify', { peerId: 'erin', method: 'chat' }));
    await erinEnded(h);
  });

  it('treats a young peer that was already sent a request (so it was open) as gone', async () => {
    const h = await connectingHarness();
    await h.givenPending({ roomId: 'room1', targetConnectionId: 'c-erin', requestId: 77, method: 'offer', state: {} });
    await send(h, 'c-alice', request(43, 'peerNotify', { peerId: 'erin', method: 'chat' }));
    await erinEnded(h);
  });

  it('fails a request to it at once with 410, keeping the peer', async () => {
    const h = await connectingHarness();
    await send(h, 'c-alice', request(41, 'peerRequest', { peerId: 'erin', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 41, ok: false, errorCode: 410, errorReason: 'peer is still connecting' }]);
    await erinKept(h);
    expect(await h.pending('room1', 'c-erin')).toEqual([]);
  });
});

describe('room relay: notifications only the server may send', () => {
  it.each(['newPeer', 'peerClosed', 'peerReplaced'])('refuses to relay %s with 400', async (method) => {
    const h = await roomHarness();
    await send(h, 'c-alice', request(50, 'peerNotify', { peerId: 'bob', method }));
    await send(h, 'c-alice', request(51, 'peerNotify', { method }));
    expect(h.postedTo('c-alice').map((message) => message.errorCode)).toEqual([400, 400]);
    expect(h.postedTo('c-bob')).toEqual([]);
  });
});

describe('room relay: a join that failed half way', () => {
  it('can be retried when the info was written but the roster entry was not', async () => {
    const h = await aliceAndBob({ data: { info: {} }, version: 1 });
    await send(h, 'c-alice', request(60, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 60, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }] } }]);
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } }]);
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob', alice: 'c-alice' });
  });
});

describe('room relay: answers protoo-client sends to a relayed request', () => {
  it.each([
    ['reject()', { ok: false }, { ok: false, errorCode: 500, errorReason: 'request rejected' }],
    ["reject('busy')", { ok: false, errorCode: 'busy' }, { ok: false, errorCode: 500, errorReason: 'busy' }],
    ["accept('str')", { ok: true, data: 'str' }, { ok: true, data: 'str' }],
    ['accept([1, 2])', { ok: true, data: [1, 2] }, { ok: true, data: [1, 2] }],
  ])('relays %s instead of leaving the caller to time out', async (_name, answer, relayed) => {
    const h = await roomHarness();
    await h.givenPending(offerFromAlice(900));
    await send(h, 'c-bob', { response: true, id: 900, ...answer });
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 10, ...relayed }]);
  });
});

describe('room relay: a join that fails after enrolling leaves nothing behind', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } });

  it('a store error reading the room: off the roster again, nobody told, and a retry joins', async () => {
    const h = await aliceAndBob();
    h.store.failNext('listRoom', throttled());
    await send(h, 'c-alice', request(70, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 70, ok: false, errorCode: 503, errorReason: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]+\)$/) }]);
    // It had enrolled before the read failed, and is off the roster again.
    expect(h.store.count('enroll')).toBe(1);
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob' });
    expect(h.postedTo('c-bob')).toEqual([]);

    // The store recovers.
    await send(h, 'c-alice', request(71, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice')[1]).toEqual({ response: true, id: 71, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }] } });
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob', alice: 'c-alice' });
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } }]);
  });

  it('an answer that cannot be posted: off the roster again, and whoever may have heard newPeer hears peerClosed', async () => {
    const h = await aliceAndBob();
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-alice' }).rejectsOnce(Object.assign(new Error('Internal'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
    await send(h, 'c-alice', request(72, 'join', { data: { name: 'Alice' } }));
    expect(h.store.count('enroll')).toBe(1);
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob' });
    // Told nothing, or told and then corrected: never left believing alice joined.
    expect(h.postedTo('c-bob').map((message) => message.method).at(-1) ?? 'peerClosed').toBe('peerClosed');
    await send(h, 'c-alice', request(73, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-alice').at(-1)).toMatchObject({ id: 73, ok: true });
    expect(h.postedTo('c-bob').at(-1)).toEqual({ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } });
  });

  it('a peer that left while its join was being announced is corrected with peerClosed', async () => {
    const h = await aliceAndBob();
    // Alice's connection closes just as bob hears newPeer: her leave runs before the join settles.
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).callsFake(async () => {
      await h.memory.leaveRoster(ALICE);
      return {};
    });
    await send(h, 'c-alice', request(74, 'join', { data: { name: 'Alice' } }));
    expect(h.postedTo('c-bob')).toEqual([
      { notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } },
      { notification: true, method: 'peerClosed', data: { peerId: 'alice' } },
    ]);
  });

  it('a room at its capacity refuses with 403 before writing anything', async () => {
    const h = await roomHarness(createRoomRelay({ maxPeers: 2, maxInfoBytes: 64 }));
    await send(h, 'c-alice', request(75, 'join', { data: {} }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 75, ok: false, errorCode: 403, errorReason: 'room is full (2 peers)' }]);
    expect(writesOf(h)).toEqual([]);
    expect(await h.roster('room1')).toEqual({ bob: 'c-bob', carol: 'c-carol' });
  });
});

describe('room relay: a peer the Management API cannot reach (timed out, 5xx, 429)', () => {
  const unreachable = () => Object.assign(new Error('LimitExceededException'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });
  const bobKept = async (h: MemoryHarness) => {
    expect(await h.peer('room1', 'bob')).toMatchObject({ connectionId: 'c-bob' });
    expect(await h.roster('room1')).toMatchObject({ bob: 'c-bob' });
    expect(h.store.count('unbindPeer') + h.store.count('leaveRoster') + h.store.count('deleteConnection')).toBe(0);
  };

  it('a relayed request to it fails at once with 504, leaving no pending request behind, and keeps the peer', async () => {
    const h = await relayHarness();
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).rejects(unreachable());
    await send(h, 'c-alice', request(90, 'peerRequest', { peerId: 'bob', method: 'offer' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 90, ok: false, errorCode: 504, errorReason: 'peer unreachable' }]);
    expect(h.store.count('putPendingRequest')).toBe(1);
    expect(await h.pending('room1', 'c-bob')).toEqual([]);
    await bobKept(h);
  });

  it('a notification to it is not delivered ({delivered: 0}), and the peer is kept', async () => {
    const h = await relayHarness();
    h.api.on(PostToConnectionCommand, { ConnectionId: 'c-bob' }).rejects(unreachable());
    await send(h, 'c-alice', request(91, 'peerNotify', { peerId: 'bob', method: 'chat' }));
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 91, ok: true, data: { delivered: 0 } }]);
    expect(writesOf(h)).toEqual([]);
    await bobKept(h);
  });
});

// The AWS boundary: what the DynamoDB adapter makes of a malformed answer, so on the SDK-mock harness.
describe('room relay: a bug inside the store never puts its text on the wire', () => {
  it('a malformed answer from DynamoDB (a TypeError in the store) is a 500 with an id, not the TypeError text', async () => {
    const h = createHarness(roomRelay);
    h.givenConnection('c-bob', 'room1', 'bob');
    h.givenRoom('room1', [{ peerId: 'bob', connectionId: 'c-bob', data: { joined: true, info: {} }, version: 1 }]);
    h.dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#room1', ':prefix': 'PEER' } }).resolves(undefined as never);
    await h.handlers.message(messageEvent('c-bob', request(80, 'getPeers')));
    const [answer] = h.postedTo('c-bob');
    expect(answer).toMatchObject({ id: 80, ok: false, errorCode: 500, errorReason: expect.stringMatching(/^internal error \(id [0-9a-f]+\)$/) });
    expect(h.logs.some((line) => line.level === 'error' && JSON.stringify(line).includes("reading 'Items'"))).toBe(true);
  });
});
