import { randomBytes } from 'node:crypto';
import { ProtooError } from '../app/errors.js';
import { DeliveryFailedError } from '../delivery/delivery-failed.js';
import { PayloadTooLargeError } from '../protocol/encode.js';
import { AlreadyEnrolledError, RequestIdTakenError, RosterFullError, StaleDataError, StaleRosterEntryError } from '../store/errors.js';
import { UnstorableDataError } from '../store/storable.js';

/**
 * What a client is told when its request failed with `error`, and the rule
 * that tells an app's own error from an internal one:
 *
 * - a ProtooError (or subclass) is the app's answer: its code and reason;
 * - PayloadTooLargeError (413) and UnstorableDataError (400, its reason)
 *   are about the data itself, which the client or app chose;
 * - an error is internal when it carries the AWS SDK's `$metadata` or
 *   `$fault` (service errors, and — added by the SDK's retry layer —
 *   network errors and timeouts), is one of the store's own errors that
 *   the app let through, a DeliveryFailedError (a Management API call that
 *   did not get through), or was marked with `markInternal`. The client
 *   gets `500 internal error (id …)`, or 503 `… try again (id …)` when
 *   retrying may help, never the internal message; the caller logs the
 *   full error with the id;
 * - anything else was thrown by app code: 500 with its message, as
 *   protoo-server answers.
 *
 * The mark is on the error itself, so an internal error stays internal
 * when it merely propagates through app code. An error the SDK raises
 * before sending (it builds the request) has no `$metadata`: the store
 * checks data with `storableAttribute` so that none should reach it.
 */
export interface ErrorAnswer {
  code: number;
  reason: string;
  /** Who the error came from: the app's deliberate answer, a throw in app code, or the runtime/SDK. */
  source: 'answer' | 'app' | 'internal';
  /** Set for internal errors: the id in the reason, to be logged with the error. */
  errorId?: string;
}

const internalErrors = new WeakSet<object>();

/** Marks an error raised by the runtime, so that its message never reaches a client. */
export function markInternal<T>(error: T): T {
  if (typeof error === 'object' && error !== null) internalErrors.add(error);
  return error;
}

export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof ProtooError) return { code: error.code, reason: error.reason, source: 'answer' };
  if (error instanceof PayloadTooLargeError) return { code: 413, reason: error.message, source: 'answer' };
  if (error instanceof UnstorableDataError) return { code: 400, reason: error.message, source: 'answer' };
  if (isInternalError(error)) return internalErrorAnswer(error);
  return { code: 500, reason: error instanceof Error ? error.message : String(error), source: 'app' };
}

/** The answer for an error known to be internal, whatever it is. */
export function internalErrorAnswer(error: unknown): ErrorAnswer & { errorId: string } {
  const errorId = randomBytes(6).toString('hex');
  return mayHelpToRetry(error)
    ? { code: 503, reason: `temporarily unavailable, try again (id ${errorId})`, errorId, source: 'internal' }
    : { code: 500, reason: `internal error (id ${errorId})`, errorId, source: 'internal' };
}

/** The runtime's own errors: it turns them into answers; one the app lets through is internal (its text names connections). */
const RUNTIME_ERRORS = [StaleDataError, RequestIdTakenError, AlreadyEnrolledError, RosterFullError, StaleRosterEntryError, DeliveryFailedError];

export function isInternalError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return (
    internalErrors.has(error) ||
    '$metadata' in error ||
    '$fault' in error ||
    RUNTIME_ERRORS.some((type) => error instanceof type)
  );
}

/** Throttling, timeouts, 5xx and dropped connections: the same request may well succeed later. */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'TransactionConflictException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Looks through wrappers (a DeliveryFailedError's cause is the SDK's error). */
function mayHelpToRetry(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (error instanceof DeliveryFailedError) return true;
  const { name, code, $retryable, $fault, $metadata } = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = typeof $metadata?.httpStatusCode === 'number' ? $metadata.httpStatusCode : 0;
  return (
    Boolean($retryable) ||
    $fault === 'server' ||
    status >= 500 ||
    status === 429 ||
    (typeof name === 'string' && RETRYABLE_NAMES.has(name)) ||
    (typeof code === 'string' && RETRYABLE_CODES.has(code)) ||
    mayHelpToRetry((error as { cause?: unknown }).cause, depth + 1)
  );
}

/**
 * The store and the sender are the runtime's: whatever they throw (an SDK
 * error, or a bug such as a TypeError) is internal, even when it surfaces
 * through app code. Wraps a port so every error it raises is marked.
 */
export function markingErrors<T extends object>(port: T): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(markInternal(error))) : result;
        } catch (error) {
          throw markInternal(error);
        }
      };
    },
  });
}
