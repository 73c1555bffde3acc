/**
 * Single-table key design. A room is one partition, so its members are one
 * Query; a connection is its own item, so connectionId → identity is one
 * GetItem.
 *
 *   pk                 sk                        item
 *   CONN#<connId>      CONN                      connection → roomId, peerId, connectedAt, keepAliveBucket
 *   ROOM#<roomId>      PEER#<peerId>             peer → connectionId, data, version
 *   ROOM#<roomId>      PEER_ROSTER               roster: one `member:<peerId>` attribute per enrolled peer
 *   ROOM#<roomId>      REQ#<targetConnId>#<id>   pending server → client request
 *
 * Peers and roster share the prefix `PEER`, so one Query reads both.
 * Connection items alone carry `keepAliveBucket`, the keepAlive index's key.
 */
export const PEER_PREFIX = 'PEER#';
export const ROOM_STATE_PREFIX = 'PEER';
export const ROSTER_SORT_KEY = 'PEER_ROSTER';
export const ROSTER_MEMBER_PREFIX = 'member:';
export const PENDING_REQUEST_PREFIX = 'REQ#';
const CONNECTION_PREFIX = 'CONN#';
const CONNECTION_SORT_KEY = 'CONN';

export interface ItemKey {
  pk: string;
  sk: string;
}

export function connectionKey(connectionId: string): ItemKey {
  return { pk: `${CONNECTION_PREFIX}${connectionId}`, sk: CONNECTION_SORT_KEY };
}

/** The connectionId of a connection item, from its partition key. */
export function connectionIdOf(pk: string): string {
  return pk.slice(CONNECTION_PREFIX.length);
}

export function roomPartition(roomId: string): string {
  return `ROOM#${roomId}`;
}

export function peerKey(roomId: string, peerId: string): ItemKey {
  return { pk: roomPartition(roomId), sk: `${PEER_PREFIX}${peerId}` };
}

export function rosterKey(roomId: string): ItemKey {
  return { pk: roomPartition(roomId), sk: ROSTER_SORT_KEY };
}

/** Prefix of every request pending on one connection, for cleanup when it leaves. */
export function pendingRequestPrefix(targetConnectionId: string): string {
  return `${PENDING_REQUEST_PREFIX}${targetConnectionId}#`;
}

export function pendingRequestKey(roomId: string, targetConnectionId: string, requestId: number): ItemKey {
  return { pk: roomPartition(roomId), sk: `${pendingRequestPrefix(targetConnectionId)}${requestId}` };
}
