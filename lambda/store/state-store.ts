import type { PeerStore } from '../runtime/ports.js';
import { withConnectionItems } from './connection-items.js';
import { PEER_PREFIX, ROOM_STATE_PREFIX, ROSTER_SORT_KEY, roomPartition } from './keys.js';
import { toPeerRecord, withPeerItems } from './peer-items.js';
import { withPendingRequestItems } from './pending-request-items.js';
import type { PeerRecord, Roster } from './records.js';
import { toRoster, withRosterItem } from './roster-item.js';
import { queryPrefix, TableBacked, type TableClient } from './table.js';

/**
 * Room, Peer, connection and pending-request state in one DynamoDB table
 * (keys in keys.ts): the runtime's PeerStore. Each kind of item brings its
 * own methods (one small mixin per file, stacked here), so no method only
 * forwards to another. Every write that could race with a newer connection
 * is conditional on the connectionId that owns the peer, so a late
 * $disconnect or a Gone cleanup can never remove a replacement; room reads
 * are strongly consistent.
 */
export class StateStore extends withPendingRequestItems(withRosterItem(withPeerItems(withConnectionItems(TableBacked)))) implements PeerStore {
  constructor(client: TableClient, tableName: string, now: () => number = Date.now) {
    super({ client, tableName, now });
  }

  /** Every live peer and the roster, in one Query: their sort keys share the prefix `PEER`. */
  async listRoom(roomId: string): Promise<{ peers: PeerRecord[]; roster: Roster }> {
    const items = await queryPrefix(this.table, roomPartition(roomId), ROOM_STATE_PREFIX);
    const rosterItem = items.find((item) => item.sk === ROSTER_SORT_KEY);
    return {
      peers: items.filter((item) => String(item.sk).startsWith(PEER_PREFIX)).map(toPeerRecord),
      roster: rosterItem ? toRoster(rosterItem, this.table.now()) : new Map(),
    };
  }
}
