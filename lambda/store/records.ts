/** What the store hands out: plain records, free of DynamoDB key attributes. */

export interface ConnectionIdentity {
  connectionId: string;
  roomId: string;
  peerId: string;
}

export interface PeerRecord {
  roomId: string;
  peerId: string;
  connectionId: string;
  /** The app's data for this peer (protoo-server's `peer.data`). */
  data: Record<string, unknown>;
  /** Bumped on every data write; conditional writes compare it. */
  version: number;
  /** When this connection took the peerId (ms): a young binding may still be inside $connect. */
  boundAt: number;
}

export interface PendingRequestRecord {
  roomId: string;
  targetConnectionId: string;
  requestId: number;
  method: string;
  /** Whatever the app attached to `peer.request(..., { context })`. */
  context: Record<string, unknown>;
}

/** Enrolled peers: peerId → the connectionId that enrolled it. */
export type Roster = Map<string, string>;
