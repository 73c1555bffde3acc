import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CONNECTION_STATE_TTL_SECONDS, isExpired } from './expiry.js';
import { connectionKey } from './keys.js';
import type { ConnectionIdentity } from './records.js';
import { ttlFor, type Table } from './table.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/** connectionId → (roomId, peerId): one item per connection, one GetItem to resolve. */
export class ConnectionItems {
  constructor(private readonly table: Table) {}

  async put(identity: ConnectionIdentity): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { ...connectionKey(identity.connectionId), ...identity, [TTL_ATTRIBUTE]: ttlFor(this.table, CONNECTION_STATE_TTL_SECONDS) },
      }),
    );
  }

  async get(connectionId: string): Promise<ConnectionIdentity | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: connectionKey(connectionId), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item, this.table.now())) return undefined;
    return { connectionId, roomId: String(Item.roomId), peerId: String(Item.peerId) };
  }

  async delete(connectionId: string): Promise<void> {
    await this.table.client.send(new DeleteCommand({ TableName: this.table.tableName, Key: connectionKey(connectionId) }));
  }
}
