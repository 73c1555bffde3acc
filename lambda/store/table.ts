import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, expiresAt, isExpired } from './expiry.js';

export type Item = Record<string, unknown>;

/** The table, its client and the clock that every item class works with. */
export interface Table {
  client: DynamoDBDocumentClient;
  tableName: string;
  now: () => number;
}

/**
 * The base of the store's item mixins (connection-items.ts, peer-items.ts,
 * roster-item.ts, pending-request-items.ts): each adds the PeerStore
 * methods of one kind of item, and state-store.ts stacks them into the one
 * DynamoDB adapter, with no method that only forwards to another.
 */
export abstract class TableBacked {
  constructor(protected readonly table: Table) {}
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mixin pattern's constructor type
export type TableBackedClass = abstract new (...args: any[]) => TableBacked;

/** The table's clock in DynamoDB's TTL unit (conditions compare it with the TTL attribute). */
export function nowSeconds(table: Table): number {
  return epochSeconds(table.now());
}

export function ttlFor(table: Table, seconds: number): number {
  return expiresAt(table.now(), seconds);
}

/** Every live item of one partition whose sort key starts with the prefix: one Query, paged, strongly consistent. */
export async function queryPrefix(table: Table, pk: string, skPrefix: string): Promise<Item[]> {
  const items: Item[] = [];
  let exclusiveStartKey: Item | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    const now = table.now();
    for (const item of page.Items ?? []) if (!isExpired(item, now)) items.push(item);
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return items;
}
