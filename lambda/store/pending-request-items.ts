import { RequestIdTakenError, ifConditionFails } from './errors.js';
import { PENDING_REQUEST_TTL_SECONDS, isExpired } from './expiry.js';
import { pendingRequestKey, pendingRequestPrefix, roomPartition } from './keys.js';
import type { PendingRequestRecord } from './records.js';
import { storableAttribute } from './storable.js';
import { nowSeconds, queryPrefix, ttlFor, type Item, type TableBackedClass } from './table.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/**
 * Server → client requests waiting for their answer, which arrives in a
 * later invocation: put when sent, taken (deleted, ALL_OLD) by whoever
 * answers first — the client or the cleanup when it leaves.
 */
export function withPendingRequestItems<Base extends TableBackedClass>(Base: Base) {
  abstract class PendingRequestItems extends Base {
    /** Throws RequestIdTakenError rather than overwrite a live request with the same id. */
    async putPendingRequest(request: PendingRequestRecord): Promise<void> {
      const state = storableAttribute('state', request.state);
      await ifConditionFails(
        this.table.client.put({
          TableName: this.table.tableName,
          Item: {
            ...pendingRequestKey(request.roomId, request.targetConnectionId, request.requestId),
            ...request,
            state,
            [TTL_ATTRIBUTE]: ttlFor(this.table, PENDING_REQUEST_TTL_SECONDS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': nowSeconds(this.table) },
        }),
        () => {
          throw new RequestIdTakenError(`request ${request.requestId} is already pending`);
        },
      );
    }

    /** Deletes and returns the pending request: whoever takes it answers it, exactly once. */
    async takePendingRequest(roomId: string, targetConnectionId: string, requestId: number): Promise<PendingRequestRecord | undefined> {
      const { Attributes } = await this.table.client.delete({
        TableName: this.table.tableName,
        Key: pendingRequestKey(roomId, targetConnectionId, requestId),
        ReturnValues: 'ALL_OLD',
      });
      if (!Attributes || isExpired(Attributes, this.table.now())) return undefined;
      return toPendingRequestRecord(Attributes);
    }

    async listPendingRequests(roomId: string, targetConnectionId: string): Promise<PendingRequestRecord[]> {
      const items = await queryPrefix(this.table, roomPartition(roomId), pendingRequestPrefix(targetConnectionId));
      return items.map(toPendingRequestRecord);
    }
  }
  return PendingRequestItems;
}

function toPendingRequestRecord(item: Item): PendingRequestRecord {
  return {
    roomId: String(item.roomId),
    targetConnectionId: String(item.targetConnectionId),
    requestId: Number(item.requestId),
    method: String(item.method),
    state: (item.state as Item | undefined) ?? {},
  };
}
