/**
 * The PeerStore in memory: the same contract as the DynamoDB store
 * (test/support/peer-store-contract.ts runs one suite against both), for
 * tests of the app and runtime that need real store semantics without an
 * engine, and for benchmarks that measure the runtime alone. Every
 * operation runs without awaiting in between, so each is atomic, as
 * DynamoDB makes a conditional write of one item; expiry is read against
 * the injected clock exactly as the DynamoDB store reads its TTL.
 * Not a production store: it lives in one process.
 */
import type { PeerStore } from '../runtime/ports.js';
import { bucketOf } from '../keep-alive/buckets.js';
import { AlreadyEnrolledError, ReplacementRefusedError, RequestIdTakenError, RosterFullError, StaleDataError, StaleRosterEntryError } from './errors.js';
import { CONNECTION_STATE_TTL_SECONDS, PENDING_REQUEST_TTL_SECONDS, epochSeconds, expiresAt } from './expiry.js';
import type { ConnectionIdentity, KeptConnection, KeptConnectionsPage, PeerRecord, PendingRequestRecord, ReplacementBackoff, Roster } from './records.js';
import { storableAttribute } from './storable.js';

interface Expiring {
  /** Epoch seconds, as the TTL attribute. */
  expiresAt: number;
}
type ConnectionEntry = KeptConnection & Expiring & { bucket: number };
/** `connectedAt`: when the bound connection was made (bindPeer's fence); not part of the record. */
type PeerEntry = PeerRecord & Expiring & { connectedAt?: number };
type RosterEntry = { connectionId: string } & Expiring;
type PendingEntry = PendingRequestRecord & Expiring;

/** What several MemoryStore views (e.g. at different clocks) share: the "table". */
export class MemoryTable {
  readonly connections = new Map<string, ConnectionEntry>();
  readonly peers = new Map<string, Map<string, PeerEntry>>();
  readonly rosters = new Map<string, Map<string, RosterEntry>>();
  readonly pending = new Map<string, Map<string, PendingEntry>>();
}

function inRoom<T>(rooms: Map<string, Map<string, T>>, roomId: string): Map<string, T> {
  let room = rooms.get(roomId);
  if (!room) rooms.set(roomId, (room = new Map()));
  return room;
}

const copy = <T>(value: T): T => structuredClone(value);

/** Refused as DynamoDB would refuse it (UnstorableDataError); stored as JSON, as the document client round-trips it. */
function stored(name: string, value: Record<string, unknown>): Record<string, unknown> {
  storableAttribute(name, value);
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

export class MemoryStore implements PeerStore {
  constructor(
    readonly table: MemoryTable = new MemoryTable(),
    private readonly now: () => number = Date.now,
  ) {}

  private live<T extends Expiring>(entry: T | undefined): T | undefined {
    return entry && entry.expiresAt > epochSeconds(this.now()) ? entry : undefined;
  }

  private ttl(seconds: number): number {
    return expiresAt(this.now(), seconds);
  }

  async putConnection(identity: ConnectionIdentity): Promise<void> {
    const { connectionId, roomId, peerId } = identity;
    this.table.connections.set(connectionId, {
      connectionId,
      roomId,
      peerId,
      connectedAt: this.now(),
      bucket: bucketOf(connectionId),
      expiresAt: this.ttl(CONNECTION_STATE_TTL_SECONDS),
    });
  }

  async getConnection(connectionId: string): Promise<ConnectionIdentity | undefined> {
    const entry = this.live(this.table.connections.get(connectionId));
    return entry && { connectionId, roomId: entry.roomId, peerId: entry.peerId };
  }

  async deleteConnection(connectionId: string): Promise<void> {
    this.table.connections.delete(connectionId);
  }

  async listKeepAliveBucket(bucket: number, cursor?: Record<string, unknown>, pageSize = 1000): Promise<KeptConnectionsPage> {
    const after = typeof cursor?.after === 'string' ? cursor.after : '';
    const inBucket = [...this.table.connections.values()]
      .filter((entry) => entry.bucket === bucket && entry.connectionId > after)
      .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
    const page = inBucket.slice(0, pageSize);
    const connections = page.filter((entry) => this.live(entry)).map(({ connectionId, roomId, peerId, connectedAt }) => ({ connectionId, roomId, peerId, connectedAt }));
    return { connections, cursor: inBucket.length > pageSize ? { after: page[page.length - 1].connectionId } : undefined };
  }

  async bindPeer(identity: ConnectionIdentity, data: Record<string, unknown> = {}, connectedAt?: number): Promise<PeerRecord | undefined> {
    const { roomId, peerId, connectionId } = identity;
    const storable = stored('data', data);
    const room = inRoom(this.table.peers, roomId);
    const previous = this.live(room.get(peerId));
    const now = this.now();
    const since = connectedAt ?? now;
    const protectedNow = previous?.backoff !== undefined && previous.backoff.replaceableAfter > now;
    const newer = previous?.connectedAt !== undefined && previous.connectedAt > since;
    if (previous && previous.connectionId !== connectionId && (protectedNow || newer)) {
      throw new ReplacementRefusedError(`peer ${peerId} was taken over moments ago, or by a newer connection, and may not be replaced yet`);
    }
    room.set(peerId, { roomId, peerId, connectionId, data: storable, version: 0, boundAt: now, connectedAt: since, expiresAt: this.ttl(CONNECTION_STATE_TTL_SECONDS) });
    return previous && previous.connectionId !== connectionId ? this.record(previous) : undefined;
  }

  async protectBinding(identity: ConnectionIdentity, backoff: ReplacementBackoff): Promise<boolean> {
    const entry = this.table.peers.get(identity.roomId)?.get(identity.peerId);
    if (entry?.connectionId !== identity.connectionId) return false;
    entry.backoff = { ...backoff };
    return true;
  }

  async getPeer(roomId: string, peerId: string): Promise<PeerRecord | undefined> {
    const entry = this.live(this.table.peers.get(roomId)?.get(peerId));
    return entry && this.record(entry);
  }

  async listPeers(roomId: string): Promise<PeerRecord[]> {
    const room = this.table.peers.get(roomId) ?? new Map<string, PeerEntry>();
    return [...room.values()]
      .filter((entry) => this.live(entry))
      .sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
      .map((entry) => this.record(entry));
  }

  async listRoom(roomId: string): Promise<{ peers: PeerRecord[]; roster: Roster }> {
    return { peers: await this.listPeers(roomId), roster: await this.getRoster(roomId) };
  }

  async updatePeerData(peer: Pick<PeerRecord, 'roomId' | 'peerId' | 'connectionId'>, expectedVersion: number, data: Record<string, unknown>): Promise<number> {
    const storable = stored('data', data);
    const entry = this.live(this.table.peers.get(peer.roomId)?.get(peer.peerId));
    if (!entry || entry.connectionId !== peer.connectionId || entry.version !== expectedVersion) {
      throw new StaleDataError(`peer ${peer.peerId} was replaced, closed or changed since it was read`);
    }
    entry.data = storable;
    return ++entry.version;
  }

  async unbindPeer(identity: ConnectionIdentity): Promise<PeerRecord | undefined> {
    const room = this.table.peers.get(identity.roomId);
    const entry = room?.get(identity.peerId);
    if (!entry || entry.connectionId !== identity.connectionId) return undefined;
    room!.delete(identity.peerId);
    // An expired binding is gone already: nobody is left to tell.
    return this.live(entry) && this.record(entry);
  }

  async enroll(identity: ConnectionIdentity, capacity = Number.POSITIVE_INFINITY): Promise<Roster> {
    const roster = inRoom(this.table.rosters, identity.roomId);
    const holder = roster.get(identity.peerId);
    if (holder && this.live(holder)) {
      if (holder.connectionId === identity.connectionId) throw new AlreadyEnrolledError(`peer ${identity.peerId} is already enrolled`);
      throw new StaleRosterEntryError(holder.connectionId);
    }
    // Expired entries are dropped at enrollment, as the DynamoDB store prunes them.
    for (const [peerId, entry] of roster) if (!this.live(entry)) roster.delete(peerId);
    if (roster.size >= capacity) throw new RosterFullError(capacity);
    roster.set(identity.peerId, { connectionId: identity.connectionId, expiresAt: this.ttl(CONNECTION_STATE_TTL_SECONDS) });
    return this.liveRoster(roster);
  }

  async getRoster(roomId: string): Promise<Roster> {
    return this.liveRoster(this.table.rosters.get(roomId) ?? new Map());
  }

  async leaveRoster(identity: ConnectionIdentity): Promise<Roster | undefined> {
    const roster = this.table.rosters.get(identity.roomId);
    if (roster?.get(identity.peerId)?.connectionId !== identity.connectionId) return undefined;
    roster.delete(identity.peerId);
    return this.liveRoster(roster);
  }

  async putPendingRequest(request: PendingRequestRecord): Promise<void> {
    const state = stored('state', request.state);
    const room = inRoom(this.table.pending, request.roomId);
    const key = `${request.targetConnectionId}#${request.requestId}`;
    if (this.live(room.get(key))) throw new RequestIdTakenError(`request ${request.requestId} is already pending`);
    room.set(key, { ...request, state, expiresAt: this.ttl(PENDING_REQUEST_TTL_SECONDS) });
  }

  async takePendingRequest(roomId: string, targetConnectionId: string, requestId: number): Promise<PendingRequestRecord | undefined> {
    const room = this.table.pending.get(roomId);
    const key = `${targetConnectionId}#${requestId}`;
    const entry = room?.get(key);
    if (!entry) return undefined;
    room!.delete(key);
    return this.live(entry) && this.pendingRecord(entry);
  }

  async listPendingRequests(roomId: string, targetConnectionId: string): Promise<PendingRequestRecord[]> {
    const room = this.table.pending.get(roomId) ?? new Map<string, PendingEntry>();
    return [...room.values()]
      .filter((entry) => entry.targetConnectionId === targetConnectionId && this.live(entry))
      .sort((a, b) => (`${a.requestId}` < `${b.requestId}` ? -1 : 1))
      .map((entry) => this.pendingRecord(entry));
  }

  private liveRoster(roster: Map<string, RosterEntry>): Roster {
    const live: Roster = new Map();
    for (const [peerId, entry] of roster) if (this.live(entry)) live.set(peerId, entry.connectionId);
    return live;
  }

  private record({ expiresAt: _expiresAt, connectedAt: _connectedAt, ...record }: PeerEntry): PeerRecord {
    return copy(record);
  }

  private pendingRecord({ expiresAt: _expiresAt, ...record }: PendingEntry): PendingRequestRecord {
    return copy(record);
  }
}
