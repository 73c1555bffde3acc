import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';

/**
 * How long one Management API call may take. API Gateway answers a post in
 * a few ms; the invocation that posts has 29 s (the integration timeout)
 * and may post in a few sequential steps (an answer, then a broadcast), so
 * one stuck call must cost seconds, not the whole budget:
 *
 * - `postTimeoutMs` (POST_TIMEOUT_MS, default 2 s): a socket silent this long
 *   while waiting for the answer fails the attempt — ~100× a normal answer.
 * - the whole attempt, including waiting for a free socket, is capped at
 *   twice that, so a saturated local stack is not mistaken for a stuck call.
 * - `maxAttempts` 2: one retry covers a passing 5xx, throttle or reset; more
 *   would only stretch the wait on a client whose buffer stays full.
 * Worst case per call: 2 × 4 s + ≤ 1 s of the SDK's throttling backoff ≈ 9 s.
 * - keep-alive sockets, 50 per client: a broadcast runs 25 posts at once
 *   (fan-out concurrency) and other posts of the invocation (an answer, a
 *   close) must not queue behind it.
 */
export interface ManagementClientSettings {
  postTimeoutMs: number;
  connectionTimeoutMs: number;
  maxAttempts: number;
  maxSockets: number;
}

export const DEFAULT_MANAGEMENT_CLIENT_SETTINGS: ManagementClientSettings = {
  postTimeoutMs: 2_000,
  connectionTimeoutMs: 1_000,
  maxAttempts: 2,
  maxSockets: 50,
};

/** The settings, with POST_TIMEOUT_MS (milliseconds, a positive integer) from the environment. */
export function managementClientSettings(env: NodeJS.ProcessEnv = process.env): ManagementClientSettings {
  const raw = env.POST_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_MANAGEMENT_CLIENT_SETTINGS;
  const postTimeoutMs = Number(raw);
  if (!Number.isInteger(postTimeoutMs) || postTimeoutMs <= 0) {
    throw new Error(`POST_TIMEOUT_MS must be a positive whole number of milliseconds, got "${raw}"`);
  }
  return { ...DEFAULT_MANAGEMENT_CLIENT_SETTINGS, postTimeoutMs };
}

/** A client whose every call is bounded in time (see ManagementClientSettings). */
export function createManagementClient(endpoint: string, settings: ManagementClientSettings): ApiGatewayManagementApiClient {
  const agent = { keepAlive: true, maxSockets: settings.maxSockets };
  return new ApiGatewayManagementApiClient({
    endpoint,
    maxAttempts: settings.maxAttempts,
    // NodeHttpHandler options (a plain object: the SDK builds the handler).
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs,
      socketTimeout: settings.postTimeoutMs,
      requestTimeout: 2 * settings.postTimeoutMs,
      throwOnRequestTimeout: true,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
}

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One client per endpoint (and settings), reused by every warm invocation. */
export function managementClientFor(endpoint: string, env: NodeJS.ProcessEnv = process.env): ApiGatewayManagementApiClient {
  const settings = managementClientSettings(env);
  const key = `${endpoint} ${settings.postTimeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    client = createManagementClient(endpoint, settings);
    clients.set(key, client);
  }
  return client;
}
