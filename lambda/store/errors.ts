/** A conditional write found the peer replaced, gone, or changed since it was read. */
export class StaleDataError extends Error {
  override readonly name = 'StaleDataError';
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** A pending request with this id already waits on that connection. */
export class RequestIdTakenError extends Error {
  override readonly name = 'RequestIdTakenError';
}

/** The peer is already on the room's roster with this connection. */
export class AlreadyEnrolledError extends Error {
  override readonly name = 'AlreadyEnrolledError';
}
