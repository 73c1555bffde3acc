import type {
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { epochSeconds, expiresAt, isExpired } from './expiry.js';

export type Item = Record<string, unknown>;

/**
 * The DynamoDB operations the store makes, on native JavaScript values (the
 * shapes of lib-dynamodb's commands): table-clients.ts has the runtime's,
 * over the low-level client, and one over an injected DocumentClient.
 */
export interface TableClient {
  get(input: GetCommandInput): Promise<GetCommandOutput>;
  put(input: PutCommandInput): Promise<PutCommandOutput>;
  update(input: UpdateCommandInput): Promise<UpdateCommandOutput>;
  delete(input: DeleteCommandInput): Promise<DeleteCommandOutput>;
  query(input: QueryCommandInput): Promise<QueryCommandOutput>;
}

/** The table, its client and the clock that every item class works with. */
export interface Table {
  client: TableClient;
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
    const page = await table.client.query({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
      ExclusiveStartKey: exclusiveStartKey,
    });
    const now = table.now();
    for (const item of page.Items ?? []) if (!isExpired(item, now)) items.push(item);
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return items;
}
