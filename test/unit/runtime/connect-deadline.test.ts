/**
 * A $connect cut short by the invocation deadline: API Gateway refuses the
 * handshake with the deadline's 503, so the abandoned work must not go on
 * to bind the peerId to a connection that never opened (which would kick
 * out the client's accepted retry). On the in-memory store, with the
 * connection's first write held until after the deadline.
 */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHandlers } from '../../../lambda/create-handlers.js';
import type { ConnectionIdentity } from '../../../lambda/store/records.js';
import { MemoryStore } from '../../../lambda/store/memory-store.js';
import { connectEvent } from '../support/harness.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The memory store, with the next connection write (or bind) held until `release()`, and a promise of the cleanup's delete. */
class SlowConnectionWrite extends MemoryStore {
  private gate: Promise<void> | undefined;
  private bindGate: Promise<void> | undefined;
  release = () => {};
  binds = 0;
  deletedConnections: string[] = [];
  private deleteWaiters = new Map<string, () => void>();

  /** Resolves once the connection item of `connectionId` is deleted: the abandoned work's last step. */
  deleted(connectionId: string): Promise<void> {
    return new Promise((resolve) => this.deleteWaiters.set(connectionId, resolve));
  }

  holdNextConnectionWrite(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  /** The next bind is written at once but answers only on `release()`: a PutItem that lands while the deadline answers. */
  holdNextBindAnswer(): void {
    this.bindGate = new Promise((resolve) => (this.release = resolve));
  }

  override async putConnection(identity: ConnectionIdentity) {
    const gate = this.gate;
    this.gate = undefined;
    if (gate) await gate;
    return super.putConnection(identity);
  }

  override async bindPeer(...args: Parameters<MemoryStore['bindPeer']>) {
    this.binds++;
    const gate = this.bindGate;
    this.bindGate = undefined;
    const replaced = await super.bindPeer(...args);
    if (gate) await gate;
    return replaced;
  }

  override async deleteConnection(connectionId: string) {
    this.deletedConnections.push(connectionId);
    await super.deleteConnection(connectionId);
    this.deleteWaiters.get(connectionId)?.();
  }
}

function setUp() {
  const store = new SlowConnectionWrite();
  const managementClient = new ApiGatewayManagementApiClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, endpoint: 'https://example.test/prod' });
  const api = mockClient(managementClient);
  api.onAnyCommand().resolves({});
  const handlers = createHandlers(roomRelay, { env: { TABLE_NAME: 'protoo', INVOCATION_DEADLINE_MS: '50' }, store, managementClient: () => managementClient, logger: silent });
  const closed = () => api.commandCalls(DeleteConnectionCommand).map((call) => call.args[0].input.ConnectionId);
  return { store, handlers, closed };
}

describe('$connect cut short by the invocation deadline', () => {
  it('is refused 503, and its late work binds nothing and removes its connection item', async () => {
    const { store, handlers } = setUp();

    store.holdNextConnectionWrite();
    const cleanedUp = store.deleted('c-late');
    const refused = await handlers.connect(connectEvent('c-late', { roomId: 'room1', peerId: 'alice' }));
    expect(refused).toEqual({ statusCode: 503, body: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/) });

    store.release();
    await cleanedUp;
    expect(store.binds).toBe(0);
    expect(store.deletedConnections).toEqual(['c-late']);
    expect(await store.getPeer('room1', 'alice')).toBeUndefined();
    expect(await store.getConnection('c-late')).toBeUndefined();
  });

  it('whose bind lands as the deadline answers: the binding is undone, the connection it replaced is ended, and the retry is accepted, not refused as contested', async () => {
    const { store, handlers, closed } = setUp();
    expect((await handlers.connect(connectEvent('c-old', { roomId: 'room1', peerId: 'alice' }))).statusCode).toBe(200);

    store.holdNextBindAnswer();
    const cleanedUp = store.deleted('c-late');
    const refused = await handlers.connect(connectEvent('c-late', { roomId: 'room1', peerId: 'alice' }));
    expect(refused.statusCode).toBe(503);
    store.release();
    await cleanedUp;

    expect(await store.getPeer('room1', 'alice')).toBeUndefined();
    expect(await store.getConnection('c-late')).toBeUndefined();
    expect(closed()).toEqual(['c-old']);
    expect(store.deletedConnections).toContain('c-old');
    expect((await handlers.connect(connectEvent('c-retry', { roomId: 'room1', peerId: 'alice' }))).statusCode).toBe(200);
    expect((await store.getPeer('room1', 'alice'))?.connectionId).toBe('c-retry');
  });
});
