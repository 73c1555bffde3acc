import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StaleDataError, isConditionalCheckFailed } from './errors.js';
import { CONNECTION_STATE_TTL_SECONDS, isExpired } from './expiry.js';
import { PEER_PREFIX, peerKey, roomPartition } from './keys.js';
import type { ConnectionIdentity, PeerRecord } from './records.js';
import { storableAttribute } from './storable.js';
import { queryPrefix, ttlFor, type Item, type Table } from './table.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/**
 * One item per peer of a room, keyed by peerId, so a peerId has exactly one
 * owner. Writes that could race with a newer connection are conditional on
 * the connectionId that owns the peer.
 */
export class PeerItems {
  constructor(private readonly table: Table) {}

  /**
   * Binds peerId to this connection, whoever held it before. Returns the
   * previous binding when another live connection held it, so the caller
   * can close that connection: one peerId never has two owners.
   */
  async bind(identity: ConnectionIdentity, data: Item = {}): Promise<PeerRecord | undefined> {
    const { roomId, peerId, connectionId } = identity;
    const storableData = storableAttribute('data', data);
    const { Attributes } = await this.table.client.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...peerKey(roomId, peerId),
          roomId,
          peerId,
          connectionId,
          data: storableData,
          version: 0,
          boundAt: this.table.now(),
          [TTL_ATTRIBUTE]: ttlFor(this.table, CONNECTION_STATE_TTL_SECONDS),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes || isExpired(Attributes, this.table.now()) || Attributes.connectionId === connectionId) return undefined;
    return toPeerRecord(Attributes);
  }

  async get(roomId: string, peerId: string): Promise<PeerRecord | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: peerKey(roomId, peerId), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item, this.table.now())) return undefined;
    return toPeerRecord(Item);
  }

  /** Every live peer of the room: one Query on the room's partition, paged. */
  async list(roomId: string): Promise<PeerRecord[]> {
    const items = await queryPrefix(this.table, roomPartition(roomId), PEER_PREFIX);
    return items.map(toPeerRecord);
  }

  /**
   * Writes the peer's data only if this connection still owns the peer and
   * nobody wrote since `expectedVersion` was read. Returns the new version.
   */
  async updateData(
    peer: Pick<PeerRecord, 'roomId' | 'peerId' | 'connectionId'>,
    expectedVersion: number,
    data: Item,
  ): Promise<number> {
    // Checked before the try: an UnstorableDataError is the caller's, not a stale write.
    const storableData = storableAttribute('data', data);
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: peerKey(peer.roomId, peer.peerId),
          UpdateExpression: 'SET #data = :data, #version = #version + :one',
          ConditionExpression: '#connectionId = :connectionId AND #version = :expected AND #ttl > :now',
          ExpressionAttributeNames: { '#data': 'data', '#version': 'version', '#connectionId': 'connectionId', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':data': storableData,
            ':one': 1,
            ':connectionId': peer.connectionId,
            ':expected': expectedVersion,
            ':now': Math.floor(this.table.now() / 1000),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.version);
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new StaleDataError(`peer ${peer.peerId} was replaced, closed or changed since it was read`);
      }
      throw error;
    }
  }

  /**
   * Removes the peer only if this connection still owns it; returns the
   * removed record, or undefined when a newer connection owns the peer or
   * somebody else removed it first (so exactly one caller announces it).
   */
  async unbind(identity: ConnectionIdentity): Promise<PeerRecord | undefined> {
    try {
      const { Attributes } = await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: peerKey(identity.roomId, identity.peerId),
          ConditionExpression: '#connectionId = :connectionId',
          ExpressionAttributeNames: { '#connectionId': 'connectionId' },
          ExpressionAttributeValues: { ':connectionId': identity.connectionId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      // An expired binding is gone already: nobody is left to tell.
      return Attributes && !isExpired(Attributes, this.table.now()) ? toPeerRecord(Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

export function toPeerRecord(item: Item): PeerRecord {
  return {
    roomId: String(item.roomId),
    peerId: String(item.peerId),
    connectionId: String(item.connectionId),
    data: (item.data as Item | undefined) ?? {},
    version: Number(item.version ?? 0),
    boundAt: Number(item.boundAt ?? 0),
  };
}
