/**
 * Throw (or reject with) a ProtooError from a request handler to answer
 * with that errorCode; any other error answers 500 with its message, as
 * protoo-server does.
 */
export class ProtooError extends Error {
  override readonly name = 'ProtooError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export { StaleDataError } from '../store/errors.js';
