/** What the store hands out: plain records, free of DynamoDB key attributes. */

export interface ConnectionIdentity {
  connectionId: string;
  roomId: string;
  peerId: string;
}

/** A connection as the keep-alive sweep sees it. */
export interface KeptConnection extends ConnectionIdentity {
  /** Epoch ms of its $connect: API Gateway closes it 2 h later. */
  connectedAt: number;
}

export interface KeptConnectionsPage {
  connections: KeptConnection[];
  /** Where the next page starts; undefined after the last. */
  cursor?: Record<string, unknown>;
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
  /** Set when this binding replaced another: it may not be replaced in turn before `replaceableAfter`. */
  backoff?: ReplacementBackoff;
}

/** A replacement's protection against being replaced in turn (two clients fighting over one peerId). */
export interface ReplacementBackoff {
  /** Replacements in a row of this peerId, this one included. */
  streak: number;
  /** Epoch ms before which a new connection for this peerId is refused. */
  replaceableAfter: number;
}

export interface PendingRequestRecord {
  roomId: string;
  targetConnectionId: string;
  requestId: number;
  method: string;
  /** Whatever the app attached to `peer.request(..., { state })`, handed back to onResponse. */
  state: Record<string, unknown>;
}

/** Enrolled peers: peerId → the connectionId that enrolled it. */
export type Roster = Map<string, string>;
