/**
 * A Management API call that did not get through: it timed out, the
 * network failed, or API Gateway kept answering 5xx or 429 (throttled, or
 * the client's buffer is full) after the SDK's bounded retries. The message
 * counts as not delivered; the connection is NOT known to be gone.
 */
export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
  constructor(
    readonly connectionId: string,
    override readonly cause: unknown,
    readonly operation: 'post' | 'close' = 'post',
  ) {
    super(`${operation} to connection ${connectionId} failed: ${describe(cause)}`, { cause });
  }
}

// Node's codes for a connection that failed or stalled, as the SDK reports them.
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const THROTTLING_NAMES = new Set(['LimitExceededException', 'ThrottlingException', 'TooManyRequestsException']);

/**
 * True for the failures the SDK itself retries (timeouts, network errors,
 * 5xx, 429): what is left of them after the retries is a delivery failure,
 * not a bug. A 403 or 400 (IAM, a malformed call) is a bug and is not this.
 */
export function isDeliveryFailure(error: unknown): boolean {
  const candidate = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (!candidate || typeof candidate !== 'object') return false;
  const status = candidate.$metadata?.httpStatusCode ?? 0;
  return (
    TIMEOUT_NAMES.has(candidate.name ?? '') ||
    THROTTLING_NAMES.has(candidate.name ?? '') ||
    NETWORK_CODES.has(candidate.code ?? '') ||
    status === 429 ||
    (status >= 500 && status <= 599)
  );
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
