import { bucketOf } from '../keep-alive/buckets.js';
import { CONNECTION_STATE_TTL_SECONDS, isExpired } from './expiry.js';
import { connectionIdOf, connectionKey } from './keys.js';
import type { ConnectionIdentity, KeptConnection, KeptConnectionsPage } from './records.js';
import { ttlFor, type TableBackedClass } from './table.js';
import { KEEP_ALIVE_BUCKET_ATTRIBUTE, KEEP_ALIVE_INDEX, TTL_ATTRIBUTE } from './table-schema.js';

/**
 * connectionId → (roomId, peerId): one item per connection, one GetItem to
 * resolve. It also carries its keep-alive bucket and connect time, so the
 * sweep finds every connection through the keepAlive index with no write
 * beyond this one Put per connection.
 */
export function withConnectionItems<Base extends TableBackedClass>(Base: Base) {
  abstract class ConnectionItems extends Base {
    async putConnection(identity: ConnectionIdentity): Promise<void> {
      await this.table.client.put({
        TableName: this.table.tableName,
        Item: {
          ...connectionKey(identity.connectionId),
          ...identity,
          connectedAt: this.table.now(),
          [KEEP_ALIVE_BUCKET_ATTRIBUTE]: bucketOf(identity.connectionId),
          [TTL_ATTRIBUTE]: ttlFor(this.table, CONNECTION_STATE_TTL_SECONDS),
        },
      });
    }

    async getConnection(connectionId: string): Promise<ConnectionIdentity | undefined> {
      const { Item } = await this.table.client.get({ TableName: this.table.tableName, Key: connectionKey(connectionId), ConsistentRead: true });
      if (!Item || isExpired(Item, this.table.now())) return undefined;
      return { connectionId, roomId: String(Item.roomId), peerId: String(Item.peerId) };
    }

    async deleteConnection(connectionId: string): Promise<void> {
      await this.table.client.delete({ TableName: this.table.tableName, Key: connectionKey(connectionId) });
    }

    /** One page of a keep-alive bucket (the index is eventually consistent: a connection a moment old may be missing). */
    async listKeepAliveBucket(bucket: number, cursor?: Record<string, unknown>, pageSize?: number): Promise<KeptConnectionsPage> {
      const page = await this.table.client.query({
        TableName: this.table.tableName,
        IndexName: KEEP_ALIVE_INDEX,
        KeyConditionExpression: '#bucket = :bucket',
        ExpressionAttributeNames: { '#bucket': KEEP_ALIVE_BUCKET_ATTRIBUTE },
        ExpressionAttributeValues: { ':bucket': bucket },
        ExclusiveStartKey: cursor,
        Limit: pageSize,
      });
      const now = this.table.now();
      const connections: KeptConnection[] = [];
      for (const item of page.Items ?? []) {
        if (isExpired(item, now)) continue;
        connections.push({
          connectionId: connectionIdOf(String(item.pk)),
          roomId: String(item.roomId),
          peerId: String(item.peerId),
          connectedAt: Number(item.connectedAt),
        });
      }
      return { connections, cursor: page.LastEvaluatedKey };
    }
  }
  return ConnectionItems;
}
