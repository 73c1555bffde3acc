/**
 * The single DynamoDB table that holds every Room, Peer, connection and
 * pending request. Shared by the runtime, the local stack and the CDK
 * construct so that the three can never disagree on key names.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
/** Epoch seconds; DynamoDB TTL deletes lazily, so readers filter on it too. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** CreateTable input for local engines (dynalite, DynamoDB Local) and tests. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' as const },
      { AttributeName: SORT_KEY, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' as const },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' as const },
    ],
  };
}
