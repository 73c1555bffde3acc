import { DEFAULT_FAN_OUT_CONCURRENCY } from '../config.js';
import { isLoopback } from './management-endpoint.js';

/**
 * How long one Management API call may take. API Gateway answers a post in
 * a few ms; the invocation that posts has 8 s of work (runtime/deadline.ts:
 * the 10 s Lambda timeout less 2 s to answer) and may post in a few
 * sequential steps (an answer, then a broadcast), so one stuck call must
 * cost seconds, not the whole budget:
 *
 * - `postTimeoutMs` (POST_TIMEOUT_MS, default 2 s): the wait for a socket to
 *   connect, and then the silence while waiting for the answer, that fail
 *   an attempt — ~100× a normal answer.
 * - the whole attempt, including waiting for a free socket, is capped at
 *   twice that.
 * - `maxAttempts` 2: one retry covers a passing 5xx, throttle or reset; more
 *   would only stretch the wait on a client whose buffer stays full.
 *   Worst case per call: 2 × 4 s + ≤ 1 s of the SDK's throttling backoff ≈ 9 s,
 *   more than the budget: the deadline then answers the request 503 and the
 *   post counts as not delivered; a silent endpoint costs 2 × 2 s.
 * - keep-alive sockets: the fan-out concurrency (FAN_OUT_CONCURRENCY, 100 by
 *   default) plus 25, so a broadcast never waits for a socket and other posts
 *   of the invocation (an answer, a close) do not queue behind it.
 *
 * The local stack (a loopback endpoint) defaults to 10 s: there the gateway
 * shares one event loop with every invocation (and the machine's cores with
 * the DynamoDB engine), so a storm of joins delays answers by seconds with
 * nothing stuck (its gateway never holds a post: see local/gateway-quotas.ts,
 * backpressure).
 */
export interface ManagementClientSettings {
  postTimeoutMs: number;
  maxAttempts: number;
  maxSockets: number;
}

/** Sockets beyond the fan-out's, for the invocation's other posts. */
const SPARE_SOCKETS = 25;

export const DEFAULT_MANAGEMENT_CLIENT_SETTINGS: ManagementClientSettings = {
  postTimeoutMs: 2_000,
  maxAttempts: 2,
  maxSockets: DEFAULT_FAN_OUT_CONCURRENCY + SPARE_SOCKETS,
};

/** The default post timeout against the local stack (see above). */
export const LOCAL_STACK_POST_TIMEOUT_MS = 10_000;

/**
 * The settings for an endpoint, with POST_TIMEOUT_MS (milliseconds, a
 * positive integer) from the environment.
 */
export function managementClientSettings(
  env: NodeJS.ProcessEnv = process.env,
  endpoint?: string,
  /** The configured fan-out (config.ts, FAN_OUT_CONCURRENCY): a socket for each post of a broadcast. */
  fanOutConcurrency = DEFAULT_FAN_OUT_CONCURRENCY,
): ManagementClientSettings {
  const maxSockets = fanOutConcurrency + SPARE_SOCKETS;
  const raw = env.POST_TIMEOUT_MS;
  if (raw === undefined || raw === '') {
    const local = endpoint !== undefined && isLoopback(new URL(endpoint).host);
    return { ...DEFAULT_MANAGEMENT_CLIENT_SETTINGS, maxSockets, ...(local ? { postTimeoutMs: LOCAL_STACK_POST_TIMEOUT_MS } : {}) };
  }
  const postTimeoutMs = Number(raw);
  if (!Number.isInteger(postTimeoutMs) || postTimeoutMs <= 0) {
    throw new Error(`POST_TIMEOUT_MS must be a positive whole number of milliseconds, got "${raw}"`);
  }
  return { ...DEFAULT_MANAGEMENT_CLIENT_SETTINGS, maxSockets, postTimeoutMs };
}
