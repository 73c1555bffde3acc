import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConnectionItems } from './connection-items.js';
import { PEER_PREFIX, ROOM_STATE_PREFIX, ROSTER_SORT_KEY, roomPartition } from './keys.js';
import { PeerItems, toPeerRecord } from './peer-items.js';
import { PendingRequestItems } from './pending-request-items.js';
import type { ConnectionIdentity, PeerRecord, PendingRequestRecord, ReplacementBackoff, Roster } from './records.js';
import { RosterItem, toRoster } from './roster-item.js';
import { queryPrefix, type Table } from './table.js';

/**
 * Room, Peer, connection and pending-request state in one DynamoDB table
 * (keys in keys.ts): the runtime's PeerStore, made of one small class per
 * kind of item. Every write that could race with a newer connection is
 * conditional on the connectionId that owns the peer, so a late
 * $disconnect or a Gone cleanup can never remove a replacement; room reads
 * are strongly consistent.
 */
export class StateStore {
  private readonly table: Table;
  private readonly connections: ConnectionItems;
  private readonly peers: PeerItems;
  private readonly roster: RosterItem;
  private readonly pending: PendingRequestItems;

  constructor(client: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.table = { client, tableName, now };
    this.connections = new ConnectionItems(this.table);
    this.peers = new PeerItems(this.table);
    this.roster = new RosterItem(this.table);
    this.pending = new PendingRequestItems(this.table);
  }

  putConnection = (identity: ConnectionIdentity) => this.connections.put(identity);
  getConnection = (connectionId: string) => this.connections.get(connectionId);
  deleteConnection = (connectionId: string) => this.connections.delete(connectionId);
  listKeepAliveBucket = (bucket: number, cursor?: Record<string, unknown>, pageSize?: number) => this.connections.listBucket(bucket, cursor, pageSize);

  bindPeer = (identity: ConnectionIdentity, data?: Record<string, unknown>, connectedAt?: number) => this.peers.bind(identity, data, connectedAt);
  protectBinding = (identity: ConnectionIdentity, backoff: ReplacementBackoff) => this.peers.protect(identity, backoff);
  getPeer = (roomId: string, peerId: string) => this.peers.get(roomId, peerId);
  listPeers = (roomId: string) => this.peers.list(roomId);
  updatePeerData = (peer: Pick<PeerRecord, 'roomId' | 'peerId' | 'connectionId'>, expectedVersion: number, data: Record<string, unknown>) =>
    this.peers.updateData(peer, expectedVersion, data);
  unbindPeer = (identity: ConnectionIdentity) => this.peers.unbind(identity);

  enroll = (identity: ConnectionIdentity, capacity?: number) => this.roster.enroll(identity, capacity);
  getRoster = (roomId: string) => this.roster.get(roomId);
  leaveRoster = (identity: ConnectionIdentity) => this.roster.leave(identity);

  putPendingRequest = (request: PendingRequestRecord) => this.pending.put(request);
  takePendingRequest = (roomId: string, targetConnectionId: string, requestId: number) => this.pending.take(roomId, targetConnectionId, requestId);
  listPendingRequests = (roomId: string, targetConnectionId: string) => this.pending.list(roomId, targetConnectionId);

  /** Every live peer and the roster, in one Query: their sort keys share the prefix `PEER`. */
  async listRoom(roomId: string): Promise<{ peers: PeerRecord[]; roster: Roster }> {
    const items = await queryPrefix(this.table, roomPartition(roomId), ROOM_STATE_PREFIX);
    const rosterItem = items.find((item) => item.sk === ROSTER_SORT_KEY);
    return {
      peers: items.filter((item) => String(item.sk).startsWith(PEER_PREFIX)).map(toPeerRecord),
      roster: rosterItem ? toRoster(rosterItem, this.table.now()) : new Map(),
    };
  }
}
