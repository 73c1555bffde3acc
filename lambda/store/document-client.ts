import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const clients = new Map<string, DynamoDBDocumentClient>();

/**
 * One DocumentClient per endpoint, kept across warm invocations (and across
 * local stacks in one process, which may use different engines).
 */
export function documentClientFor(endpoint: string | undefined): DynamoDBDocumentClient {
  const key = endpoint ?? 'aws';
  let client = clients.get(key);
  if (!client) {
    client = DynamoDBDocumentClient.from(new DynamoDBClient(endpoint ? { endpoint } : {}), {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
    clients.set(key, client);
  }
  return client;
}
