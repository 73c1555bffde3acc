import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyEnrolledError, isConditionalCheckFailed } from './errors.js';
import { CONNECTION_STATE_TTL_SECONDS } from './expiry.js';
import { ROSTER_MEMBER_PREFIX, rosterKey } from './keys.js';
import type { ConnectionIdentity, Roster } from './records.js';
import { ttlFor, type Item, type Table } from './table.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/**
 * The room's roster: one item, one `member:<peerId>` attribute per enrolled
 * peer. DynamoDB serializes the updates of one item, which is what orders
 * simultaneous joins.
 */
export class RosterItem {
  constructor(private readonly table: Table) {}

  /**
   * Puts the peer on the room's roster. Updates of one item are serialized
   * by DynamoDB, so the roster returned (everyone enrolled before, plus this
   * peer) gives every pair of peers a definite order: exactly one of the two
   * sees the other here, even when they enroll at the same moment.
   */
  async enroll(identity: ConnectionIdentity): Promise<Roster> {
    const ttl = ttlFor(this.table, CONNECTION_STATE_TTL_SECONDS);
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: rosterKey(identity.roomId),
          UpdateExpression: 'SET #member = :entry, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#member) OR #member.connectionId <> :connectionId',
          ExpressionAttributeNames: { '#member': `${ROSTER_MEMBER_PREFIX}${identity.peerId}`, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':entry': { connectionId: identity.connectionId, expiresAt: ttl }, ':connectionId': identity.connectionId, ':ttl': ttl },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRoster(Attributes ?? {}, this.table.now());
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new AlreadyEnrolledError(`peer ${identity.peerId} is already enrolled`);
      throw error;
    }
  }

  /**
   * Takes the peer off the roster if this connection enrolled it. Returns
   * the roster left behind (who should hear that it left), or undefined
   * when it was not enrolled by this connection.
   */
  async leave(identity: ConnectionIdentity): Promise<Roster | undefined> {
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: rosterKey(identity.roomId),
          UpdateExpression: 'REMOVE #member',
          ConditionExpression: '#member.connectionId = :connectionId',
          ExpressionAttributeNames: { '#member': `${ROSTER_MEMBER_PREFIX}${identity.peerId}` },
          ExpressionAttributeValues: { ':connectionId': identity.connectionId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRoster(Attributes ?? {}, this.table.now());
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

/** The live members of a roster item (expired entries are left out). */
export function toRoster(item: Item, nowMs: number): Roster {
  const roster: Roster = new Map();
  const now = Math.floor(nowMs / 1000);
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(ROSTER_MEMBER_PREFIX)) continue;
    const entry = value as { connectionId?: unknown; expiresAt?: unknown };
    if (typeof entry.expiresAt === 'number' && entry.expiresAt <= now) continue;
    roster.set(name.slice(ROSTER_MEMBER_PREFIX.length), String(entry.connectionId));
  }
  return roster;
}
