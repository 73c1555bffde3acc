import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isLoopback } from '../delivery/management-endpoint.js';
import { traced } from '../observability/tracing.js';
import { boundedRequestHandler, withoutUnusedMiddleware } from '../lean-sdk-client.js';
import type { TableClient } from './table.js';
import { marshallingTableClient } from './table-clients.js';

/**
 * How long one DynamoDB call may take. DynamoDB answers in single-digit ms
 * and an invocation makes a handful of calls in sequence within its
 * deadline (runtime/deadline.ts, 8 s by default), so a stuck call must cost
 * about a second per attempt, not the budget — the same shape as the
 * Management API client (delivery/management-client.ts):
 *
 * - `timeoutMs` 1 s: the wait for a socket to connect (a cold TLS handshake
 *   takes ~100 ms), and then the silence while waiting for the answer, that
 *   fail an attempt — ~100× a normal answer; the whole attempt, including
 *   waiting for a free socket, is capped at twice that.
 * - `maxAttempts` 3 (the SDK's standard default; the old SDK's 10 would
 *   outlast the deadline): throttling and 5xx are what retries are for, and
 *   the SDK spaces them (100 ms base, 500 ms for throttling, with jitter).
 *   Worst case per call: 3 × 2 s + ≤ 1.5 s of backoff = 7.5 s; a silent
 *   endpoint: 3 × 1 s + backoff ≈ 3.3 s. The deadline cuts whatever is left.
 * - keep-alive sockets, 50: reads run a few at a time (a join's, a
 *   settle's, the sweep's bucket pages); a broadcast's fan-out posts, it
 *   does not read.
 */
export interface DynamoDBClientSettings {
  timeoutMs: number;
  maxAttempts: number;
  maxSockets: number;
}

export const DEFAULT_DYNAMODB_CLIENT_SETTINGS: DynamoDBClientSettings = {
  timeoutMs: 1_000,
  maxAttempts: 3,
  maxSockets: 50,
};

/**
 * A local engine (dynalite, DynamoDB Local on loopback) shares the machine's
 * cores — dynalite even the process — with the gateway and every invocation,
 * so a storm of joins delays its answers by seconds with nothing stuck: there an
 * attempt may wait 10 s, as the Management API client does against the local
 * stack. The invocation deadline still bounds the whole request.
 */
export const LOCAL_ENGINE_DYNAMODB_CLIENT_SETTINGS: DynamoDBClientSettings = { ...DEFAULT_DYNAMODB_CLIENT_SETTINGS, timeoutMs: 10_000 };

/** The settings for an endpoint: AWS's (none given) or a local engine's (loopback). */
export function dynamoDBClientSettings(endpoint: string | undefined): DynamoDBClientSettings {
  return endpoint !== undefined && isLoopback(new URL(endpoint).host) ? LOCAL_ENGINE_DYNAMODB_CLIENT_SETTINGS : DEFAULT_DYNAMODB_CLIENT_SETTINGS;
}

/**
 * The low-level DynamoDB client, every call bounded in time (see
 * DynamoDBClientSettings), its middleware resolved once per command type
 * (table-clients.ts says why not a DocumentClient). On AWS the endpoint
 * comes from the rule set, which caches it.
 */
export function createDynamoDBClient(endpoint: string | undefined, settings: DynamoDBClientSettings = dynamoDBClientSettings(endpoint)): DynamoDBClient {
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    cacheMiddleware: true,
    maxAttempts: settings.maxAttempts,
    requestHandler: boundedRequestHandler(settings.timeoutMs, settings.maxSockets),
  });
  return withoutUnusedMiddleware(client);
}

const clients = new Map<string, TableClient>();

/**
 * The store's client for an endpoint, kept across warm invocations (and
 * across local stacks in one process, which may use different engines).
 */
export function tableClientFor(endpoint: string | undefined, timeoutMs?: number): TableClient {
  const settings = timeoutMs === undefined ? dynamoDBClientSettings(endpoint) : { ...DEFAULT_DYNAMODB_CLIENT_SETTINGS, timeoutMs };
  const key = `${endpoint ?? 'aws'} ${settings.timeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    client = marshallingTableClient(traced(createDynamoDBClient(endpoint, settings)));
    clients.set(key, client);
  }
  return client;
}
