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
      await this.pruneExpired(identity.roomId, Attributes ?? {});
      return toRoster(Attributes ?? {}, this.table.now());
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new AlreadyEnrolledError(`peer ${identity.peerId} is already enrolled`);
      throw error;
    }
  }

  /**
   * Entries of peers whose cleanup never ran ($disconnect lost, no Gone
   * seen) outlive their expiry inside the item; drop them at the next
   * enrollment so the roster cannot grow toward the 400 KB item limit.
   * Best-effort and rare: a failure here must not fail the join.
   */
  private async pruneExpired(roomId: string, item: Item): Promise<void> {
    const now = Math.floor(this.table.now() / 1000);
    const expired = Object.entries(item)
      .filter(([name, entry]) => name.startsWith(ROSTER_MEMBER_PREFIX) && isExpiredEntry(entry, now))
      .slice(0, MAX_PRUNED_PER_UPDATE)
      .map(([name]) => name);
    if (expired.length === 0) return;
    const names = Object.fromEntries(expired.map((name, i) => [`#e${i}`, name]));
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: rosterKey(roomId),
          UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
          // Still expired: a peer that enrolled again meanwhile is kept.
          ConditionExpression: Object.keys(names).map((alias) => `${alias}.expiresAt <= :now`).join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch {
      // Left for the next enrollment.
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

const MAX_PRUNED_PER_UPDATE = 50;

function isExpiredEntry(entry: unknown, nowSeconds: number): boolean {
  const { expiresAt } = entry as { expiresAt?: unknown };
  return typeof expiresAt === 'number' && expiresAt <= nowSeconds;
}

/** The live members of a roster item (expired entries are left out). */
export function toRoster(item: Item, nowMs: number): Roster {
  const roster: Roster = new Map();
  const now = Math.floor(nowMs / 1000);
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(ROSTER_MEMBER_PREFIX)) continue;
    if (isExpiredEntry(value, now)) continue;
    roster.set(name.slice(ROSTER_MEMBER_PREFIX.length), String((value as { connectionId?: unknown }).connectionId));
  }
  return roster;
}
