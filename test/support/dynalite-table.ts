import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedDynalite } from '../../local/dynalite-engine.js';
import { createTableInput } from '../../lambda/store/table-schema.js';
import type { TableClient } from '../../lambda/store/table.js';
import { marshallingTableClient } from '../../lambda/store/table-clients.js';

export interface DynaliteTable {
  endpoint: string;
  tableName: string;
  /** For tests that read or write items themselves. */
  documentClient: DynamoDBDocumentClient;
  /** The store's own client (table-clients.ts), as the runtime builds it. */
  tableClient: TableClient;
  close(): Promise<void>;
}

/** An embedded dynalite with the product's table, on a random port. */
export async function startDynaliteTable(tableName = 'protoo-test'): Promise<DynaliteTable> {
  // The local stack's embedded engine: its stop() waits for requests dynalite still works on.
  const engine = await startEmbeddedDynalite('127.0.0.1');
  const { endpoint } = engine;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const storeClient = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, cacheMiddleware: true });
  return {
    endpoint,
    tableName,
    documentClient,
    tableClient: marshallingTableClient(storeClient),
    async close() {
      client.destroy();
      storeClient.destroy();
      await engine.stop();
    },
  };
}

/**
 * A dynalite table for the test file: started before its tests, stopped
 * after them. The object returned is filled in by the beforeAll hook.
 */
export function useDynaliteTable(tableName?: string): DynaliteTable {
  const table = {} as DynaliteTable;
  beforeAll(async () => {
    Object.assign(table, await startDynaliteTable(tableName));
  });
  afterAll(async () => {
    await table.close?.();
  });
  return table;
}
