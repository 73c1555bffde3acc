import { ReplacementRefusedError, StaleDataError, ifConditionFails } from './errors.js';
import { CONNECTION_STATE_TTL_SECONDS, epochSeconds, isExpired } from './expiry.js';
import { PEER_PREFIX, peerKey, roomPartition } from './keys.js';
import type { ConnectionIdentity, PeerRecord, ReplacementBackoff } from './records.js';
import { storableAttribute } from './storable.js';
import { nowSeconds, queryPrefix, ttlFor, type Item, type TableBackedClass } from './table.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/** A binding made by a replacement carries these; a Put of a new binding drops them. */
const REPLACEABLE_AFTER = 'replaceableAfter';
const REPLACEMENT_STREAK = 'replacementStreak';
/** When the bound connection was made: a bind from an older connection cannot replace it. */
const CONNECTED_AT = 'connectedAt';

/**
 * One item per peer of a room, keyed by peerId, so a peerId has exactly one
 * owner. Writes that could race with a newer connection are conditional on
 * the connectionId that owns the peer.
 */
export function withPeerItems<Base extends TableBackedClass>(Base: Base) {
  abstract class PeerItems extends Base {
    /**
     * Binds peerId to this connection, whoever held it before — unless the
     * current binding is protected by a replacement backoff (see protectBinding()):
     * then ReplacementRefusedError, with nothing written. Returns the previous
     * binding when another live connection held it, so the caller can close
     * that connection: one peerId never has two owners. One PutItem either
     * way; the new binding starts unprotected.
     *
     * A binding of a connection made after `connectedAt` is never replaced
     * (ReplacementRefusedError too): a $connect whose bind lands late — its
     * handshake already refused by the deadline, or simply slower — cannot
     * take the peerId back from the newer connection.
     */
    async bindPeer(identity: ConnectionIdentity, data: Item = {}, connectedAt?: number): Promise<PeerRecord | undefined> {
      const { roomId, peerId, connectionId } = identity;
      const storableData = storableAttribute('data', data);
      const now = this.table.now();
      const since = connectedAt ?? now;
      const { Attributes } = await ifConditionFails(
        this.table.client.put({
          TableName: this.table.tableName,
          Item: {
            ...peerKey(roomId, peerId),
            roomId,
            peerId,
            connectionId,
            data: storableData,
            version: 0,
            boundAt: now,
            [CONNECTED_AT]: since,
            [TTL_ATTRIBUTE]: ttlFor(this.table, CONNECTION_STATE_TTL_SECONDS),
          },
          // This very connection, or expired; else unprotected (absent, or protected no longer) and not newer than this one.
          ConditionExpression:
            '#connectionId = :connectionId OR #ttl <= :nowSeconds OR ' +
            '((attribute_not_exists(#replaceableAfter) OR #replaceableAfter <= :now) AND (attribute_not_exists(#connectedAt) OR #connectedAt <= :since))',
          ExpressionAttributeNames: { '#replaceableAfter': REPLACEABLE_AFTER, '#connectionId': 'connectionId', '#ttl': TTL_ATTRIBUTE, '#connectedAt': CONNECTED_AT },
          ExpressionAttributeValues: { ':now': now, ':connectionId': connectionId, ':nowSeconds': epochSeconds(now), ':since': since },
          ReturnValues: 'ALL_OLD',
        }),
        () => {
          throw new ReplacementRefusedError(`peer ${peerId} was taken over moments ago, or by a newer connection, and may not be replaced yet`);
        },
      );
      if (!Attributes || isExpired(Attributes, now) || Attributes.connectionId === connectionId) return undefined;
      return toPeerRecord(Attributes);
    }

    /**
     * Protects the binding that a replacement just made: until
     * `backoff.replaceableAfter`, bindPeer() refuses to replace it. Only while this
     * connection still owns the peer; false when it does not any more.
     */
    async protectBinding(identity: ConnectionIdentity, backoff: ReplacementBackoff): Promise<boolean> {
      const update = this.table.client.update({
        TableName: this.table.tableName,
        Key: peerKey(identity.roomId, identity.peerId),
        UpdateExpression: 'SET #replaceableAfter = :after, #streak = :streak',
        ConditionExpression: '#connectionId = :connectionId',
        ExpressionAttributeNames: { '#replaceableAfter': REPLACEABLE_AFTER, '#streak': REPLACEMENT_STREAK, '#connectionId': 'connectionId' },
        ExpressionAttributeValues: { ':after': backoff.replaceableAfter, ':streak': backoff.streak, ':connectionId': identity.connectionId },
      });
      // Refused: this connection no longer owns the peer.
      return ifConditionFails(update.then(() => true), () => false);
    }

    async getPeer(roomId: string, peerId: string): Promise<PeerRecord | undefined> {
      const { Item } = await this.table.client.get({ TableName: this.table.tableName, Key: peerKey(roomId, peerId), ConsistentRead: true });
      if (!Item || isExpired(Item, this.table.now())) return undefined;
      return toPeerRecord(Item);
    }

    /** Every live peer of the room: one Query on the room's partition, paged. */
    async listPeers(roomId: string): Promise<PeerRecord[]> {
      const items = await queryPrefix(this.table, roomPartition(roomId), PEER_PREFIX);
      return items.map(toPeerRecord);
    }

    /**
     * Writes the peer's data only if this connection still owns the peer and
     * nobody wrote since `expectedVersion` was read. Returns the new version.
     */
    async updatePeerData(
      peer: Pick<PeerRecord, 'roomId' | 'peerId' | 'connectionId'>,
      expectedVersion: number,
      data: Item,
    ): Promise<number> {
      // Checked before the write: an UnstorableDataError is the caller's, not a stale write.
      const storableData = storableAttribute('data', data);
      const { Attributes } = await ifConditionFails(
        this.table.client.update({
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
            ':now': nowSeconds(this.table),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
        () => {
          throw new StaleDataError(`peer ${peer.peerId} was replaced, closed or changed since it was read`);
        },
      );
      return Number(Attributes?.version);
    }

    /**
     * Removes the peer only if this connection still owns it; returns the
     * removed record, or undefined when a newer connection owns the peer or
     * somebody else removed it first (so exactly one caller announces it).
     */
    async unbindPeer(identity: ConnectionIdentity): Promise<PeerRecord | undefined> {
      const removed = await ifConditionFails(
        this.table.client.delete({
          TableName: this.table.tableName,
          Key: peerKey(identity.roomId, identity.peerId),
          ConditionExpression: '#connectionId = :connectionId',
          ExpressionAttributeNames: { '#connectionId': 'connectionId' },
          ExpressionAttributeValues: { ':connectionId': identity.connectionId },
          ReturnValues: 'ALL_OLD',
        }),
        () => undefined,
      );
      // Refused (another connection owns it), or an expired binding, gone already: nobody is left to tell.
      const Attributes = removed?.Attributes;
      return Attributes && !isExpired(Attributes, this.table.now()) ? toPeerRecord(Attributes) : undefined;
    }
  }
  return PeerItems;
}

export function toPeerRecord(item: Item): PeerRecord {
  const record: PeerRecord = {
    roomId: String(item.roomId),
    peerId: String(item.peerId),
    connectionId: String(item.connectionId),
    data: (item.data as Item | undefined) ?? {},
    version: Number(item.version ?? 0),
    boundAt: Number(item.boundAt ?? 0),
  };
  if (typeof item[REPLACEABLE_AFTER] === 'number') {
    record.backoff = { replaceableAfter: item[REPLACEABLE_AFTER] as number, streak: Number(item[REPLACEMENT_STREAK] ?? 1) };
  }
  return record;
}
