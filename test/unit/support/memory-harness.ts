/**
 * Handlers for an app on the in-memory PeerStore (lambda/store/memory-store.ts,
 * held to the same contract suite as the DynamoDB store), so app and runtime
 * tests exercise real store semantics — conditional writes, the roster,
 * expiry — instead of a mock's idea of them. Only the Management API is
 * mocked (aws-sdk-client-mock): it is the AWS boundary of delivery, and what
 * it was asked to post or close is what the client sees.
 *
 * State is put in the store through its own API (`given*`, on the bare
 * MemoryStore: not counted). What the handlers do to the store goes through
 * `store` (a CountingStore): every call is recorded by method, and the next
 * call of a method can be made to fail, wait, or run something first.
 */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandlers, type HandlerOptions } from '../../../lambda/create-handlers.js';
import type { PeerStore } from '../../../lambda/runtime/ports.js';
import { MemoryStore, MemoryTable } from '../../../lambda/store/memory-store.js';
import type { ConnectionIdentity, PeerRecord, PendingRequestRecord } from '../../../lambda/store/records.js';

export { connectEvent, disconnectEvent, goneError, messageEvent, type LogLine } from './harness.js';
import { deliveries, recordingLogger, type LogLine } from './harness.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const NOW = Date.parse('2026-11-29T12:00:00Z');

export type StoreMethod = keyof PeerStore;
export interface StoreCall {
  method: StoreMethod;
  args: unknown[];
}

const STORE_METHODS = [
  'putConnection',
  'getConnection',
  'deleteConnection',
  'listKeepAliveBucket',
  'bindPeer',
  'protectBinding',
  'getPeer',
  'listPeers',
  'listRoom',
  'enroll',
  'getRoster',
  'leaveRoster',
  'updatePeerData',
  'unbindPeer',
  'putPendingRequest',
  'takePendingRequest',
  'listPendingRequests',
] as const satisfies readonly StoreMethod[];
// Every method of the port is listed: a new one fails to compile here until it is.
type Unlisted = Exclude<StoreMethod, (typeof STORE_METHODS)[number]>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

interface Interception {
  method: StoreMethod;
  when: (args: unknown[]) => boolean;
  /** Runs before the call reaches the store; what it throws is the call's failure. */
  before: (args: unknown[]) => unknown;
}

/**
 * A PeerStore over another that records every call and lets a test step
 * into the next call of a method. Calls without an interception go
 * straight through, in the same tick, so the inner store's operations stay
 * as atomic as they are.
 */
export class CountingStore implements PeerStore {
  readonly calls: StoreCall[] = [];
  private interceptions: Interception[] = [];

  constructor(readonly inner: PeerStore) {
    for (const method of STORE_METHODS) {
      (this as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        this.calls.push({ method, args });
        const index = this.interceptions.findIndex((candidate) => candidate.method === method && candidate.when(args));
        const call = () => (inner[method] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
        if (index < 0) return call();
        const [{ before }] = this.interceptions.splice(index, 1);
        return (async () => {
          await before(args);
          return call();
        })();
      };
    }
  }

  /** The methods called, in order. */
  methods(): StoreMethod[] {
    return this.calls.map((call) => call.method);
  }

  count(method: StoreMethod): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  argsOf(method: StoreMethod): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** The next call of `method` (whose arguments pass `when`) runs `before` first, then reaches the store. */
  beforeNext(method: StoreMethod, before: (args: unknown[]) => unknown, when: (args: unknown[]) => boolean = () => true): void {
    this.interceptions.push({ method, when, before });
  }

  /** The next call of `method` (whose arguments pass `when`) fails with `error`, writing nothing. */
  failNext(method: StoreMethod, error: unknown, when?: (args: unknown[]) => boolean): void {
    this.beforeNext(
      method,
      () => {
        throw error;
      },
      when,
    );
  }

  /** The next call of `method` waits until `release()` (and, if never released, hangs). */
  holdNext(method: StoreMethod, when?: (args: unknown[]) => boolean): { release: () => void; reached: Promise<void> } {
    let release = () => {};
    let reached = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    this.beforeNext(
      method,
      () => {
        reached();
        return gate;
      },
      when,
    );
    return { release, reached: arrived };
  }

  // Filled in by the constructor, one per method of the port.
  declare putConnection: PeerStore['putConnection'];
  declare getConnection: PeerStore['getConnection'];
  declare deleteConnection: PeerStore['deleteConnection'];
  declare listKeepAliveBucket: PeerStore['listKeepAliveBucket'];
  declare bindPeer: PeerStore['bindPeer'];
  declare protectBinding: PeerStore['protectBinding'];
  declare getPeer: PeerStore['getPeer'];
  declare listPeers: PeerStore['listPeers'];
  declare listRoom: PeerStore['listRoom'];
  declare enroll: PeerStore['enroll'];
  declare getRoster: PeerStore['getRoster'];
  declare leaveRoster: PeerStore['leaveRoster'];
  declare updatePeerData: PeerStore['updatePeerData'];
  declare unbindPeer: PeerStore['unbindPeer'];
  declare putPendingRequest: PeerStore['putPendingRequest'];
  declare takePendingRequest: PeerStore['takePendingRequest'];
  declare listPendingRequests: PeerStore['listPendingRequests'];
}

/** A peer as a test wants to find it in the store. */
export interface GivenPeer {
  peerId: string;
  connectionId: string;
  data?: Record<string, unknown>;
  /** How many data writes it has had (0: as $connect bound it); `data` is what the last one wrote. */
  version?: number;
  /** On the room's roster with this connection. */
  enrolled?: boolean;
  /** When $connect bound it (ms); an hour ago unless said. */
  boundAt?: number;
  /** Its connection item ($connect writes one): true unless said. */
  connected?: boolean;
}

export function createMemoryHarness(app: Parameters<typeof createHandlers>[0], options: Partial<HandlerOptions> = {}) {
  const clock = { now: NOW };
  const now = () => clock.now;
  const table = new MemoryTable();
  /** The bare store: setup and assertions read and write it without being counted. */
  const memory = new MemoryStore(table, now);
  const store = new CountingStore(memory);

  const managementClient = new ApiGatewayManagementApiClient({ region: 'us-east-1', credentials, endpoint: 'https://example.test/prod' });
  const api = mockClient(managementClient);
  // The two calls delivery makes answer as API Gateway does; anything else is a surprise, not a silent {}.
  api.onAnyCommand().rejects(new Error('the memory harness does not expect this Management API call'));
  api.on(PostToConnectionCommand).resolves({});
  api.on(DeleteConnectionCommand).resolves({});

  const endpoints: string[] = [];
  const logs: LogLine[] = [];
  const handlers = createHandlers(app, {
    env: { TABLE_NAME: 'protoo' },
    store,
    managementClient: (endpoint) => {
      endpoints.push(endpoint);
      return managementClient;
    },
    logger: recordingLogger(logs),
    now,
    ...options,
  });

  /** Runs `work` with the clock at `ms`, then puts it back. */
  async function at<T>(ms: number, work: () => Promise<T>): Promise<T> {
    const saved = clock.now;
    clock.now = ms;
    try {
      return await work();
    } finally {
      clock.now = saved;
    }
  }

  async function givenPeer(roomId: string, peer: GivenPeer): Promise<ConnectionIdentity> {
    const { peerId, connectionId, data = {}, version = 0, enrolled = false, boundAt = NOW - 3600_000, connected = true } = peer;
    const identity = { roomId, peerId, connectionId };
    await at(boundAt, async () => {
      if (connected) await memory.putConnection(identity);
      await memory.bindPeer(identity, version === 0 ? data : {});
    });
    for (let written = 0; written < version; written++) await memory.updatePeerData(identity, written, data);
    if (enrolled) await memory.enroll(identity);
    return identity;
  }

  return {
    handlers,
    /** What the handlers use: counts calls, takes injected failures. */
    store,
    memory,
    table,
    clock,
    at,
    api,
    endpoints,
    logs,

    /** The connection item that resolves connectionId → identity on a cold Lambda. */
    givenConnection(connectionId: string, roomId: string, peerId: string): Promise<void> {
      return memory.putConnection({ connectionId, roomId, peerId });
    },

    givenPeer,

    /** Each peer bound (and connected, and enrolled if it says so), in order. */
    async givenRoom(roomId: string, peers: GivenPeer[]): Promise<void> {
      for (const peer of peers) await givenPeer(roomId, peer);
    },

    givenPending(request: PendingRequestRecord): Promise<void> {
      return memory.putPendingRequest(request);
    },

    /** The live roster: peerId → connectionId. */
    async roster(roomId: string): Promise<Record<string, string>> {
      return Object.fromEntries(await memory.getRoster(roomId));
    },

    peer(roomId: string, peerId: string): Promise<PeerRecord | undefined> {
      return memory.getPeer(roomId, peerId);
    },

    pending(roomId: string, targetConnectionId: string): Promise<PendingRequestRecord[]> {
      return memory.listPendingRequests(roomId, targetConnectionId);
    },

    ...deliveries(api),
  };
}

export type MemoryHarness = ReturnType<typeof createMemoryHarness>;
