/**
 * The single DynamoDB table that holds every Room, Peer, connection and
 * pending request. Shared by the runtime, the local stack and the CDK
 * construct so that the three can never disagree on key names.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
/** Epoch seconds; DynamoDB TTL deletes lazily, so readers filter on it too. */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The keep-alive sweep's index: connection items carry a bucket number
 * (0–59, from a hash of the connectionId) and the sweep queries the buckets
 * due each tick (lambda/keep-alive/buckets.ts). Only connection items have
 * the attribute, so the index holds nothing else.
 */
export const KEEP_ALIVE_INDEX = 'keepAlive';
export const KEEP_ALIVE_BUCKET_ATTRIBUTE = 'keepAliveBucket';
/** What the sweep reads from the index, besides the keys: who the connection is and when it opened. */
export const KEEP_ALIVE_PROJECTED_ATTRIBUTES = ['roomId', 'peerId', 'connectedAt', TTL_ATTRIBUTE];

/** CreateTable input for local engines (dynalite, DynamoDB Local) and tests. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' as const },
      { AttributeName: SORT_KEY, AttributeType: 'S' as const },
      { AttributeName: KEEP_ALIVE_BUCKET_ATTRIBUTE, AttributeType: 'N' as const },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' as const },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: KEEP_ALIVE_INDEX,
        KeySchema: [{ AttributeName: KEEP_ALIVE_BUCKET_ATTRIBUTE, KeyType: 'HASH' as const }],
        Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: KEEP_ALIVE_PROJECTED_ATTRIBUTES },
      },
    ],
  };
}
