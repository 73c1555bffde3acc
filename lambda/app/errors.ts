/**
 * Throw (or reject with) a ProtooError from a request handler to answer
 * with that errorCode; any other error answers 500 with its message, as
 * protoo-server does.
 */
export class ProtooError extends Error {
  override readonly name: string = 'ProtooError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * The connection no longer owns its peerId (a newer connection took it, or
 * the peer was closed). Answered 403, and the runtime then closes the
 * connection, so one peerId never has two usable connections.
 */
export class ConnectionReplacedError extends ProtooError {
  override readonly name = 'ConnectionReplacedError';
  constructor(peerId: string) {
    super(403, `peerId "${peerId}" belongs to another connection now; this one is closed`);
  }
}

/** The room's roster is at its capacity: the join was refused and nothing was written. */
export class RoomFullError extends ProtooError {
  override readonly name = 'RoomFullError';
  constructor(readonly capacity: number) {
    super(403, `room is full (${capacity} peers)`);
  }
}

/**
 * The peer changed since this handler read it: replaced, closed, or its
 * data written by someone else (a concurrent join). Thrown by
 * `peer.setData()`, and by `peer.getData()` on a peer that is no longer
 * bound where it was listed; answered 409 unless the app handles it.
 */
export class PeerDataChangedError extends ProtooError {
  override readonly name = 'PeerDataChangedError';
  constructor(readonly peerId: string) {
    super(409, `peer "${peerId}" changed since it was read`);
  }
}
