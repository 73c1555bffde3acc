/**
 * A $connect cut short by the invocation deadline: API Gateway refuses the
 * handshake with the deadline's 503, so the abandoned work must not go on
 * to bind the peerId to a connection that never opened (which would kick
 * out the client's accepted retry). On the in-memory store, with the
 * connection's first write held until after the deadline.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHandlers } from '../../../lambda/create-handlers.js';
import type { ConnectionIdentity } from '../../../lambda/store/records.js';
import { MemoryStore } from '../../../lambda/store/memory-store.js';
import { connectEvent } from '../support/harness.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The memory store, with the next connection write held until `release()`, and a promise of the write after it. */
class SlowConnectionWrite extends MemoryStore {
  private gate: Promise<void> | undefined;
  release = () => {};
  binds = 0;
  deleted: string[] = [];
  private settledWith!: () => void;
  settled = new Promise<void>((resolve) => (this.settledWith = resolve));

  holdNextConnectionWrite(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  override async putConnection(identity: ConnectionIdentity) {
    const gate = this.gate;
    this.gate = undefined;
    if (gate) await gate;
    return super.putConnection(identity);
  }

  override async bindPeer(...args: Parameters<MemoryStore['bindPeer']>) {
    this.binds++;
    return super.bindPeer(...args);
  }

  override async deleteConnection(connectionId: string) {
    this.deleted.push(connectionId);
    await super.deleteConnection(connectionId);
    this.settledWith();
  }
}

describe('$connect cut short by the invocation deadline', () => {
  it('is refused 503, and its late work binds nothing and removes its connection item', async () => {
    const store = new SlowConnectionWrite();
    const managementClient = new ApiGatewayManagementApiClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, endpoint: 'https://example.test/prod' });
    mockClient(managementClient).onAnyCommand().resolves({});
    const handlers = createHandlers(roomRelay, { env: { TABLE_NAME: 'protoo', INVOCATION_DEADLINE_MS: '50' }, store, managementClient: () => managementClient, logger: silent });

    store.holdNextConnectionWrite();
    const refused = await handlers.connect(connectEvent('c-late', { roomId: 'room1', peerId: 'alice' }));
    expect(refused).toEqual({ statusCode: 503, body: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/) });

    store.release();
    await store.settled;
    expect(store.binds).toBe(0);
    expect(store.deleted).toEqual(['c-late']);
    expect(await store.getPeer('room1', 'alice')).toBeUndefined();
    expect(await store.getConnection('c-late')).toBeUndefined();
  });
});
