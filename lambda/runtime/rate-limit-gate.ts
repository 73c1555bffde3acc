import { encode } from '../protocol/encode.js';
import type { ParsedMessage } from '../protocol/parse-message.js';
import { createErrorResponse } from '../protocol/messages.js';
import type { RouteOutcome } from './events.js';
import type { RuntimeServices } from './ports.js';
import type { RateLimiter, RateLimitSettings, Verdict } from './rate-limit.js';

/** The container's limiter and this invocation's settings. */
export interface RateLimit {
  limiter: RateLimiter;
  settings: RateLimitSettings;
}

export const RATE_LIMITED_REASON = 'too many messages, slow down';

/** Outcomes of messages the limiter stopped: logged at debug, one line each would let a flood flood the logs. */
export const RATE_LIMITED_OUTCOMES: ReadonlySet<string> = new Set(['rate-limited', 'rate-limited-closed']);

/**
 * Right after parsing, before anything reads DynamoDB: a message over the
 * limit ends here (a request is answered 429, anything else dropped) and
 * this returns its outcome; a response is only counted, never refused.
 */
export async function checkRateLimit(
  services: RuntimeServices,
  rateLimit: RateLimit | undefined,
  connectionId: string,
  parsed: ParsedMessage,
): Promise<RouteOutcome | undefined> {
  if (!rateLimit || rateLimit.settings.perSecond <= 0) return undefined;
  const { limiter, settings } = rateLimit;
  const verdict = parsed.kind === 'response' ? limiter.charge(connectionId, services.now(), settings) : limiter.take(connectionId, services.now(), settings);
  if (verdict.kind === 'pass') return undefined;
  const requestId = parsed.kind === 'request' ? parsed.message.id : parsed.kind === 'invalid-request' ? parsed.id : undefined;
  return enforce(services, connectionId, verdict, requestId, parsed.kind);
}

/** A response that matched no pending request, sent over the limit: refused after the fact (its DynamoDB delete is spent). */
export async function strikeUnmatchedResponse(
  services: RuntimeServices,
  rateLimit: RateLimit | undefined,
  connectionId: string,
): Promise<RouteOutcome | undefined> {
  if (!rateLimit || rateLimit.settings.perSecond <= 0) return undefined;
  const verdict = rateLimit.limiter.strike(connectionId, services.now(), rateLimit.settings);
  return verdict.kind === 'pass' ? undefined : enforce(services, connectionId, verdict, undefined, 'response');
}

async function enforce(
  services: RuntimeServices,
  connectionId: string,
  verdict: Exclude<Verdict, { kind: 'pass' }>,
  requestId: number | undefined,
  kind: ParsedMessage['kind'],
): Promise<RouteOutcome> {
  if (verdict.kind === 'closed') return { outcome: 'rate-limited-closed' };
  if (verdict.kind === 'close') {
    services.log.warn('rate limit: far over, closing the connection', { connectionId, refused: verdict.refused });
  } else if (verdict.report !== undefined) {
    services.log.warn('rate limit: refusing messages', { connectionId, refused: verdict.report, kind });
  }
  if (requestId !== undefined) await quietly(services, connectionId, () => services.sender.post(connectionId, encode(createErrorResponse(requestId, 429, RATE_LIMITED_REASON))));
  if (verdict.kind === 'close') await quietly(services, connectionId, () => services.sender.close(connectionId));
  return { outcome: verdict.kind === 'close' ? 'rate-limited-closed' : 'rate-limited' };
}

/** Not worth a retry nor an error line per refused message (a 'gone' needs no cleanup here either: $disconnect does it). */
async function quietly(services: RuntimeServices, connectionId: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    services.log.debug('rate limit: could not answer or close', { connectionId, error });
  }
}
