/**
 * A join whose work outlives the invocation deadline: the client is told
 * 503 "try again", so the abandoned join must leave nothing behind — off
 * the roster again, nobody left believing the peer joined — and the retry
 * must join. On the in-memory store (real roster semantics) with a room
 * read that answers only after the deadline.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHandlers } from '../../../lambda/create-handlers.js';
import { MemoryStore } from '../../../lambda/store/memory-store.js';
import { connectEvent, messageEvent } from '../support/harness.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The memory store, with the next room read (or roster read) held until `release()`. */
class SlowRoomReads extends MemoryStore {
  private gate: Promise<void> | undefined;
  private rosterGate: Promise<void> | undefined;
  release = () => {};
  enrolls = 0;

  holdNextRoomRead(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  holdNextRosterRead(): void {
    this.rosterGate = new Promise((resolve) => (this.release = resolve));
  }

  override async getRoster(roomId: string) {
    const gate = this.rosterGate;
    this.rosterGate = undefined;
    if (gate) await gate;
    return super.getRoster(roomId);
  }

  /** Resolves after the next data write (a join writes its info just before it enrolls). */
  nextDataWrite(): Promise<void> {
    return new Promise((resolve) => (this.dataWritten = resolve));
  }
  private dataWritten = () => {};

  override async updatePeerData(...args: Parameters<MemoryStore['updatePeerData']>) {
    const version = await super.updatePeerData(...args);
    setImmediate(this.dataWritten);
    return version;
  }

  override async enroll(...args: Parameters<MemoryStore['enroll']>) {
    this.enrolls++;
    return super.enroll(...args);
  }

  override async listRoom(roomId: string) {
    const gate = this.gate;
    this.gate = undefined;
    if (gate) await gate;
    return super.listRoom(roomId);
  }
}

function setUp() {
  const store = new SlowRoomReads();
  const managementClient = new ApiGatewayManagementApiClient({ region: 'us-east-1', credentials, endpoint: 'https://example.test/prod' });
  const api = mockClient(managementClient);
  api.onAnyCommand().resolves({});
  const handlers = createHandlers(roomRelay, {
    env: { TABLE_NAME: 'protoo', INVOCATION_DEADLINE_MS: '50' },
    store,
    managementClient: () => managementClient,
    logger: silent,
  });
  const postedTo = (connectionId: string) =>
    api
      .commandCalls(PostToConnectionCommand)
      .filter((call) => call.args[0].input.ConnectionId === connectionId)
      .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)));
  const join = (connectionId: string, id: number, name: string) =>
    handlers.message(messageEvent(connectionId, { request: true, id, method: 'join', data: { data: { name } } }));
  return { store, handlers, postedTo, join };
}

describe('room relay: a join cut short by the invocation deadline', () => {
  it('is answered 503 once, leaves the roster again, leaves nobody believing it joined, and the retry joins', async () => {
    const { store, handlers, postedTo, join } = setUp();
    for (const [connectionId, peerId] of [['c-bob', 'bob'], ['c-alice', 'alice']]) {
      expect((await handlers.connect(connectEvent(connectionId, { roomId: 'room1', peerId }))).statusCode).toBe(200);
    }
    await join('c-bob', 1, 'Bob');

    // Enrolled, then the read of the room it enrolled in answers only after the 50 ms deadline.
    store.holdNextRoomRead();
    const answered = join('c-alice', 70, 'Alice');
    setTimeout(() => store.release(), 150);
    await answered;

    expect(postedTo('c-alice')).toEqual([
      { response: true, id: 70, ok: false, errorCode: 503, errorReason: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/) },
    ]);
    expect([...(await store.getRoster('room1')).keys()]).toEqual(['bob']);
    // Told nothing, or told and then corrected.
    expect(postedTo('c-bob').map((message) => message.method).at(-1) ?? 'peerClosed').toBe('peerClosed');

    await join('c-alice', 71, 'Alice');
    expect(postedTo('c-alice').at(-1)).toEqual({ response: true, id: 71, ok: true, data: { peers: [{ id: 'bob', data: { name: 'Bob' } }] } });
    expect(postedTo('c-bob').at(-1)).toEqual({ notification: true, method: 'newPeer', data: { id: 'alice', data: { name: 'Alice' } } });
    expect([...(await store.getRoster('room1')).keys()].sort()).toEqual(['alice', 'bob']);
  });

  it('still reading the room when the deadline answers: it enrolls nobody and announces nothing once the read comes back', async () => {
    const { store, handlers, postedTo, join } = setUp();
    for (const [connectionId, peerId] of [['c-bob', 'bob'], ['c-alice', 'alice']]) {
      expect((await handlers.connect(connectEvent(connectionId, { roomId: 'room1', peerId }))).statusCode).toBe(200);
    }
    await join('c-bob', 1, 'Bob');
    const enrolledBefore = store.enrolls;

    store.holdNextRosterRead();
    await join('c-alice', 80, 'Alice');
    expect(postedTo('c-alice')).toEqual([{ response: true, id: 80, ok: false, errorCode: 503, errorReason: expect.stringMatching(/try again/) }]);
    // Now the read answers, after the 503: the join goes on, writes its info, and comes to enroll.
    const infoWritten = store.nextDataWrite();
    store.release();
    await infoWritten;

    expect(store.enrolls).toBe(enrolledBefore);
    expect([...(await store.getRoster('room1')).keys()]).toEqual(['bob']);
    expect(postedTo('c-bob').filter((message) => message.notification)).toEqual([]);
    await join('c-alice', 81, 'Alice');
    expect(postedTo('c-alice').at(-1)).toMatchObject({ id: 81, ok: true });
  });
});
