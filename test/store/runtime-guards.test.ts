/**
 * The runtime's guards, each where it can fail: the real handlers on the
 * real store (dynalite evaluates every condition and holds every TTL), with
 * the clock moved instead of waiting. The Management API is the stand-in of
 * wired-runtime.ts.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { PeerDataChangedError } from '../../lambda/app/errors.js';
import type { App } from '../../lambda/app/types.js';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import { CONNECTION_STATE_TTL_SECONDS, PENDING_REQUEST_TTL_SECONDS } from '../../lambda/store/expiry.js';
import { connectionKey, peerKey, pendingRequestKey, rosterKey } from '../../lambda/store/keys.js';
import { useDynaliteTable } from '../support/dynalite-table.js';
import { joinedPair, wireRuntime } from './support/wired-runtime.js';

const table = useDynaliteTable();
let rooms = 0;
const newRoom = () => `guards-${++rooms}`;


/** A clock the test moves; starts on a whole second plus 400 ms, so rounding to seconds shows. */
function testClock() {
  const clock = { ms: Math.floor(Date.now() / 1000) * 1000 + 400, now: () => clock.ms };
  return clock;
}

const rawItem = async (key: { pk: string; sk: string }) =>
  (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }))).Item;

describe('peer data is written only by the connection that owns the peer', () => {
  it('a handler of a replaced connection that read its data before the replacement cannot overwrite the new binding', async () => {
    const roomId = newRoom();
    let replaceMidway: (() => Promise<unknown>) | undefined;
    const app: App = {
      async onRequest(_request, { peer, accept }) {
        const data = await peer.getData();
        await replaceMidway?.();
        await peer.setData({ ...data, writtenBy: peer.connectionId });
        await accept();
      },
    };
    const rt = wireRuntime(table, app);
    await rt.connect('c-old', roomId, 'pat');
    replaceMidway = () => rt.connect('c-new', roomId, 'pat');

    await rt.send('c-old', { request: true, id: 1, method: 'write' });

    // The new binding keeps its (empty) data; the old connection was told it was replaced, and closed.
    expect(await rt.store.getPeer(roomId, 'pat')).toMatchObject({ connectionId: 'c-new', data: {}, version: 0 });
    expect(rt.inbox('c-old')).toEqual([{ notification: true, method: 'peerReplaced', data: { peerId: 'pat' } }]);
    expect(rt.closed).toContain('c-old');
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'replaced-connection-closed', method: 'write' });
  });
});

describe('a peer changed under a write is the app\'s PeerDataChangedError (409), never a store error', () => {
  type Counter = { n: number };

  it('setData after another write of the same peer: 409 with a reason that names no connection, and the first write stays', async () => {
    const roomId = newRoom();
    let writeMeanwhile: (() => Promise<unknown>) | undefined;
    const seen: unknown[] = [];
    const app: App<Counter> = {
      onConnectionRequest: (_request, { accept }) => accept({ n: 0 }),
      async onRequest({ method }, { peer, accept }) {
        if (method === 'bump') {
          const { n } = await peer.getData();
          await peer.setData({ n: n + 1 });
          return accept({ n: n + 1 });
        }
        const { n } = await peer.getData();
        await writeMeanwhile?.();
        try {
          await peer.setData({ n: n + 100 });
        } catch (error) {
          seen.push(error);
          throw error;
        }
      },
    };
    const rt = wireRuntime(table, app as App);
    await rt.connect('c-1', roomId, 'kim');
    writeMeanwhile = () => rt.request('c-1', 'bump');

    const answer = await rt.request('c-1', 'slow');
    expect(answer).toEqual({ response: true, id: expect.any(Number), ok: false, errorCode: 409, errorReason: 'peer "kim" changed since it was read' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(PeerDataChangedError);
    expect(seen[0]).toMatchObject({ peerId: 'kim', code: 409 });
    expect((await rt.store.getPeer(roomId, 'kim'))!.data).toEqual({ n: 1 });
  });

  it('getData of another peer whose handle went stale (replaced between the roster read and its data read)', async () => {
    const roomId = newRoom();
    let replaceOther: (() => Promise<unknown>) | undefined;
    const app: App = {
      async onRequest({ method }, { peer, room, accept }) {
        if (method === 'join') return void (await room.enroll(peer), await accept());
        // The roster's peers read their data lazily, at getData.
        const other = (await room.getRoster()).find((peer) => peer.id === 'lee')!;
        await replaceOther?.();
        const failure = await other.getData().catch((error: unknown) => error);
        await accept({ changed: failure instanceof PeerDataChangedError, code: (failure as PeerDataChangedError).code });
      },
    };
    const rt = wireRuntime(table, app);
    await rt.connect('c-kim', roomId, 'kim');
    await rt.connect('c-lee', roomId, 'lee');
    await rt.request('c-lee', 'join');
    replaceOther = () => rt.connect('c-lee-2', roomId, 'lee');
    expect(await rt.request('c-kim', 'look')).toMatchObject({ ok: true, data: { changed: true, code: 409 } });
  });
});

describe('expired state is absent on every read', () => {
  it('a peer whose state outlived API Gateway\'s 2 h limit is neither listed, greeted, replaced nor served', async () => {
    const clock = testClock();
    const rt = wireRuntime(table, roomRelay, { now: clock.now });
    const roomId = newRoom();
    await rt.connect('c-ghost', roomId, 'ghost');
    expect(await rt.request('c-ghost', 'join', { data: { name: 'ghost' } })).toMatchObject({ ok: true });
    rt.clearInboxes();

    clock.ms += CONNECTION_STATE_TTL_SECONDS * 1000;
    // A new connection of another peer sees an empty room; the ghost hears nothing.
    await rt.connect('c-alice', roomId, 'alice');
    expect(await rt.request('c-alice', 'join', {})).toEqual({ response: true, id: expect.any(Number), ok: true, data: { peers: [] } });
    expect(await rt.request('c-alice', 'getPeers')).toMatchObject({ ok: true, data: { peers: [] } });
    expect(rt.inbox('c-ghost')).toEqual([]);
    // Its peerId is free: taking it replaces nobody (no peerReplaced, no close).
    await rt.connect('c-ghost-2', roomId, 'ghost');
    expect(rt.lastOutcome('connect')).toMatchObject({ outcome: 'accepted' });
    expect(rt.closed).toEqual([]);
    // And to a cold Lambda (no cached identity) its old connection is unknown: told to reconnect, and closed.
    const cold = wireRuntime(table, roomRelay, { now: clock.now });
    await cold.send('c-ghost', { request: true, id: 5, method: 'getPeers' });
    expect(cold.inbox('c-ghost')).toEqual([{ response: true, id: 5, ok: false, errorCode: 403, errorReason: 'unknown connection, reconnect' }]);
    expect(cold.closed).toEqual(['c-ghost']);
    expect(cold.lastOutcome('message')).toMatchObject({ outcome: 'unknown-connection' });
  });

  it('is still there one second before its TTL', async () => {
    const clock = testClock();
    const rt = wireRuntime(table, roomRelay, { now: clock.now });
    const roomId = newRoom();
    await rt.connect('c-old-timer', roomId, 'old-timer');
    expect(await rt.request('c-old-timer', 'join', {})).toMatchObject({ ok: true });

    clock.ms += CONNECTION_STATE_TTL_SECONDS * 1000 - 1000;
    await rt.connect('c-late', roomId, 'late');
    expect(await rt.request('c-late', 'join', {})).toMatchObject({ ok: true, data: { peers: [{ id: 'old-timer', data: {} }] } });
    expect(await rt.request('c-old-timer', 'getPeers')).toMatchObject({ ok: true, data: { peers: [{ id: 'late' }] } });
  });

  it('an answer that comes after the pending request expired matches nothing', async () => {
    const clock = testClock();
    const rt = wireRuntime(table, roomRelay, { now: clock.now });
    const roomId = newRoom();
    await joinedPair(rt, roomId);
    await rt.send('c-alice', { request: true, id: 1, method: 'peerRequest', data: { peerId: 'bob', method: 'offer' } });
    const [relayed] = rt.inbox('c-bob');

    clock.ms += PENDING_REQUEST_TTL_SECONDS * 1000;
    await rt.send('c-bob', { response: true, id: relayed.id, ok: true, data: {} });
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'unmatched-response' });
    expect(rt.inbox('c-alice')).toEqual([]);
  });
});

describe('TTLs are epoch seconds, as DynamoDB TTL reads them', () => {
  it('on connection, peer, roster entry and pending request items', async () => {
    const clock = testClock();
    const rt = wireRuntime(table, roomRelay, { now: clock.now });
    const roomId = newRoom();
    await joinedPair(rt, roomId);
    await rt.send('c-alice', { request: true, id: 1, method: 'peerRequest', data: { peerId: 'bob', method: 'offer' } });
    const [relayed] = rt.inbox('c-bob');

    const seconds = Math.floor(clock.ms / 1000);
    expect((await rawItem(connectionKey('c-alice')))?.expiresAt).toBe(seconds + CONNECTION_STATE_TTL_SECONDS);
    expect((await rawItem(peerKey(roomId, 'alice')))?.expiresAt).toBe(seconds + CONNECTION_STATE_TTL_SECONDS);
    const roster = await rawItem(rosterKey(roomId));
    expect(roster?.expiresAt).toBe(seconds + CONNECTION_STATE_TTL_SECONDS);
    expect(roster?.['member:alice']).toEqual({ connectionId: 'c-alice', expiresAt: seconds + CONNECTION_STATE_TTL_SECONDS });
    expect((await rawItem(pendingRequestKey(roomId, 'c-bob', relayed.id)))?.expiresAt).toBe(seconds + PENDING_REQUEST_TTL_SECONDS);
    // 2 h 10 min and 5 min: longer than a connection may live, shorter than anyone waits for an answer.
    expect([CONNECTION_STATE_TTL_SECONDS, PENDING_REQUEST_TTL_SECONDS]).toEqual([7800, 300]);
  });
});

describe('peer.close()', () => {
  it('ends the peer before closing: a $disconnect that arrives while the close is under way finds nothing left to end', async () => {
    const closedReasons: string[] = [];
    const app: App = {
      async onRequest({ data }, { room, accept }) {
        const target = await room.getPeer(String(data.peerId));
        await target!.close();
        await accept();
      },
      onPeerClosed: ({ peerId, reason }) => void closedReasons.push(`${peerId}:${reason}`),
    };
    const rt = wireRuntime(table, app);
    const roomId = newRoom();
    // As API Gateway may: the $disconnect of a closed connection runs before DeleteConnection returns.
    rt.whenClosed(async (connectionId) => void (await rt.disconnect(connectionId)));
    await rt.connect('c-host', roomId, 'host');
    await rt.connect('c-guest', roomId, 'guest');

    expect(await rt.request('c-host', 'kick', { peerId: 'guest' })).toMatchObject({ ok: true });
    expect(closedReasons).toEqual(['guest:closed']);
    expect(rt.closed).toEqual(['c-guest']);
    expect(rt.logs.filter((line) => line.message === 'disconnect').map((line) => line.outcome)).toEqual(['unknown-connection']);
    expect(await rt.store.getPeer(roomId, 'guest')).toBeUndefined();
  });
});

describe('an app without a request handler', () => {
  it('answers every request 404 with the method named, and keeps the connection', async () => {
    const rt = wireRuntime(table, {});
    await rt.connect('c-1', newRoom(), 'p');
    expect(await rt.request('c-1', 'fly', {})).toEqual({ response: true, id: expect.any(Number), ok: false, errorCode: 404, errorReason: 'unknown method "fly"' });
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'error:404', method: 'fly' });
    expect(rt.closed).toEqual([]);
  });
});
