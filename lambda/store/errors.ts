/** A conditional write found the peer replaced, gone, or changed since it was read. */
export class StaleDataError extends Error {
  override readonly name = 'StaleDataError';
}

/**
 * A conditional write: its result, or — when DynamoDB refused it because
 * its condition failed — whatever `onFailed` answers (or throws: the
 * store's own error for that case). Any other failure is rethrown.
 */
export async function ifConditionFails<T, F>(write: Promise<T>, onFailed: () => F): Promise<T | F> {
  try {
    return await write;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return onFailed();
    throw error;
  }
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

/** The room's roster holds as many peers as its capacity allows; nothing was written. */
export class RosterFullError extends Error {
  override readonly name = 'RosterFullError';
  constructor(readonly capacity: number) {
    super(`the room is full (${capacity} peers)`);
  }
}

/**
 * An older connection of this peerId is still on the roster (its cleanup
 * was interrupted): it has to be ended before this one can enroll.
 */
export class StaleRosterEntryError extends Error {
  override readonly name = 'StaleRosterEntryError';
  constructor(readonly connectionId: string) {
    super(`peer still enrolled by connection ${connectionId}`);
  }
}

/**
 * The peer's binding replaced another moments ago and is protected from
 * being replaced in turn (two clients fighting over one peerId); nothing
 * was written.
 */
export class ReplacementRefusedError extends Error {
  override readonly name = 'ReplacementRefusedError';
}
