import { AlreadyEnrolledError, RosterFullError, StaleRosterEntryError, ifConditionFails, isConditionalCheckFailed } from './errors.js';
import { CONNECTION_STATE_TTL_SECONDS, epochSeconds } from './expiry.js';
import { ROSTER_MEMBER_PREFIX, rosterKey } from './keys.js';
import type { ConnectionIdentity, Roster } from './records.js';
import { nowSeconds, ttlFor, type Item, type Table, type TableBackedClass } from './table.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/** The roster item's count of member attributes, kept by the same updates that add and remove them. */
const MEMBER_COUNT = 'memberCount';

/**
 * The room's roster: one item, one `member:<peerId>` attribute per enrolled
 * peer, and their count. DynamoDB serializes the updates of one item, which
 * is what orders simultaneous joins and makes the capacity exact.
 */
export function withRosterItem<Base extends TableBackedClass>(Base: Base) {
  abstract class RosterItem extends Base {
    /**
     * Puts the peer on the room's roster, if the room has room for it.
     * Updates of one item are serialized by DynamoDB, so the roster returned
     * (everyone enrolled before, plus this peer) gives every pair of peers a
     * definite order: exactly one of the two sees the other here.
     *
     * Throws AlreadyEnrolledError (this connection is on it), RosterFullError
     * (capacity reached: nothing was written), or StaleRosterEntryError (an
     * older connection of this peerId is still on it: end that one, retry).
     */
    async enroll(identity: ConnectionIdentity, capacity = Number.POSITIVE_INFINITY): Promise<Roster> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await tryEnroll(this.table, identity, capacity);
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
          const current = await readRoster(this.table, identity.roomId);
          const holder = memberOf(current, identity.peerId, this.table.now());
          if (holder?.connectionId === identity.connectionId) throw new AlreadyEnrolledError(`peer ${identity.peerId} is already enrolled`);
          if (holder && !holder.expired) throw new StaleRosterEntryError(holder.connectionId);
          // Expired entries still count until removed: drop them, then try once more.
          if (attempt === 1 && (await pruneExpired(this.table, identity.roomId, current)) > 0) continue;
          throw new RosterFullError(capacity);
        }
      }
    }

    /** The live roster: one strongly consistent GetItem. */
    async getRoster(roomId: string): Promise<Roster> {
      return toRoster(await readRoster(this.table, roomId), this.table.now());
    }

    /**
     * Takes the peer off the roster if this connection enrolled it. Returns
     * the roster left behind (who should hear that it left), or undefined
     * when it was not enrolled by this connection.
     */
    async leaveRoster(identity: ConnectionIdentity): Promise<Roster | undefined> {
      const left = await ifConditionFails(
        this.table.client.update({
          TableName: this.table.tableName,
          Key: rosterKey(identity.roomId),
          UpdateExpression: 'REMOVE #member ADD #count :minus',
          ConditionExpression: '#member.connectionId = :connectionId',
          ExpressionAttributeNames: { '#member': memberAttribute(identity.peerId), '#count': MEMBER_COUNT },
          ExpressionAttributeValues: { ':connectionId': identity.connectionId, ':minus': -1 },
          ReturnValues: 'ALL_NEW',
        }),
        () => undefined,
      );
      // Refused: this connection did not enroll it.
      return left && toRoster(left.Attributes ?? {}, this.table.now());
    }
  }
  return RosterItem;
}

async function tryEnroll(table: Table, identity: ConnectionIdentity, capacity: number): Promise<Roster> {
  const ttl = ttlFor(table, CONNECTION_STATE_TTL_SECONDS);
  const limited = Number.isFinite(capacity);
  const { Attributes } = await table.client.update({
    TableName: table.tableName,
    Key: rosterKey(identity.roomId),
    UpdateExpression: 'SET #member = :entry, #ttl = :ttl ADD #count :one',
    ConditionExpression: limited
      ? 'attribute_not_exists(#member) AND (attribute_not_exists(#count) OR #count < :capacity)'
      : 'attribute_not_exists(#member)',
    ExpressionAttributeNames: { '#member': memberAttribute(identity.peerId), '#ttl': TTL_ATTRIBUTE, '#count': MEMBER_COUNT },
    ExpressionAttributeValues: {
      ':entry': { connectionId: identity.connectionId, expiresAt: ttl },
      ':ttl': ttl,
      ':one': 1,
      ...(limited ? { ':capacity': capacity } : {}),
    },
    ReturnValues: 'ALL_NEW',
  });
  // Without a capacity nothing else bounds the item: keep it from growing toward 400 KB.
  if (!limited) await pruneExpired(table, identity.roomId, Attributes ?? {});
  return toRoster(Attributes ?? {}, table.now());
}

async function readRoster(table: Table, roomId: string): Promise<Item> {
  const { Item } = await table.client.get({ TableName: table.tableName, Key: rosterKey(roomId), ConsistentRead: true });
  return Item ?? {};
}

/**
 * Entries of peers whose cleanup never ran ($disconnect lost, no Gone
 * seen) outlive their expiry inside the item and still count toward the
 * capacity; drop them. Best-effort: a failure leaves them for next time.
 */
async function pruneExpired(table: Table, roomId: string, item: Item): Promise<number> {
  const now = nowSeconds(table);
  const expired = Object.entries(item)
    .filter(([name, entry]) => name.startsWith(ROSTER_MEMBER_PREFIX) && isExpiredEntry(entry, now))
    .slice(0, MAX_PRUNED_PER_UPDATE)
    .map(([name]) => name);
  if (expired.length === 0) return 0;
  const names = Object.fromEntries(expired.map((name, i) => [`#e${i}`, name]));
  try {
    await table.client.update({
      TableName: table.tableName,
      Key: rosterKey(roomId),
      UpdateExpression: `REMOVE ${Object.keys(names).join(', ')} ADD #count :minus`,
      // Still expired: a peer that enrolled again meanwhile is kept.
      ConditionExpression: Object.keys(names).map((alias) => `${alias}.expiresAt <= :now`).join(' AND '),
      ExpressionAttributeNames: { ...names, '#count': MEMBER_COUNT },
      ExpressionAttributeValues: { ':now': now, ':minus': -expired.length },
    });
    return expired.length;
  } catch {
    return 0;
  }
}

const MAX_PRUNED_PER_UPDATE = 50;

function memberAttribute(peerId: string): string {
  return `${ROSTER_MEMBER_PREFIX}${peerId}`;
}

function memberOf(item: Item, peerId: string, nowMs: number): { connectionId: string; expired: boolean } | undefined {
  const entry = item[memberAttribute(peerId)] as { connectionId?: unknown } | undefined;
  if (!entry) return undefined;
  return { connectionId: String(entry.connectionId), expired: isExpiredEntry(entry, epochSeconds(nowMs)) };
}

function isExpiredEntry(entry: unknown, nowSeconds: number): boolean {
  const { expiresAt } = entry as { expiresAt?: unknown };
  return typeof expiresAt === 'number' && expiresAt <= nowSeconds;
}

/** The live members of a roster item (expired entries are left out). */
export function toRoster(item: Item, nowMs: number): Roster {
  const roster: Roster = new Map();
  const now = epochSeconds(nowMs);
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(ROSTER_MEMBER_PREFIX)) continue;
    if (isExpiredEntry(value, now)) continue;
    roster.set(name.slice(ROSTER_MEMBER_PREFIX.length), String((value as { connectionId?: unknown }).connectionId));
  }
  return roster;
}
