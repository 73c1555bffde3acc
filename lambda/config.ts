import { parseLogLevel, type LogLevel } from './log.js';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './runtime/rate-limit.js';

/** Everything the handlers read from the environment, in one place. */
export interface RuntimeConfig {
  /** The DynamoDB table (required). */
  tableName: string;
  /** Another DynamoDB engine (dynalite, DynamoDB Local); unset on AWS. */
  dynamodbEndpoint?: string;
  /** DYNAMODB_TIMEOUT_MS: one attempt's connect/silence limit; unset, the endpoint decides (store/dynamodb-client.ts). */
  dynamodbTimeoutMs?: number;
  /** Overrides the Management API endpoint built from the event (custom domains). */
  managementApiEndpoint?: string;
  logLevel: LogLevel;
  /** Per-connection message rate limit (see runtime/rate-limit.ts). */
  rateLimit: RateLimitSettings;
  /** INVOCATION_DEADLINE_MS: caps each invocation's work (see runtime/deadline.ts); unset, the Lambda context decides. */
  invocationDeadlineMs?: number;
  /** FAN_OUT_CONCURRENCY: posts in flight at once in a broadcast or sweep. */
  fanOutConcurrency: number;
}

/**
 * 100 posts in flight: a broadcast to 1,000 peers with 20 ms of Management
 * API latency then takes ~10 rounds, ~200 ms, where 25 took ~800 ms. The
 * Management API client keeps as many sockets (delivery/management-client.ts).
 */
export const DEFAULT_FAN_OUT_CONCURRENCY = 100;

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  return {
    tableName,
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    dynamodbTimeoutMs: env.DYNAMODB_TIMEOUT_MS ? count(env, 'DYNAMODB_TIMEOUT_MS', 0, 1) : undefined,
    managementApiEndpoint: env.MANAGEMENT_API_ENDPOINT || undefined,
    logLevel: parseLogLevel(env.LOG_LEVEL),
    rateLimit: {
      // 0 turns the limit off (load tests); closing can be turned off alone.
      perSecond: count(env, 'RATE_LIMIT_PER_SECOND', DEFAULT_RATE_LIMIT.perSecond, 0),
      burst: count(env, 'RATE_LIMIT_BURST', DEFAULT_RATE_LIMIT.burst, 1),
      closeAfter: count(env, 'RATE_LIMIT_CLOSE_AFTER', DEFAULT_RATE_LIMIT.closeAfter, 0),
    },
    invocationDeadlineMs: env.INVOCATION_DEADLINE_MS ? count(env, 'INVOCATION_DEADLINE_MS', 0, 1) : undefined,
    fanOutConcurrency: count(env, 'FAN_OUT_CONCURRENCY', DEFAULT_FAN_OUT_CONCURRENCY, 1),
  };
}

/** A whole number ≥ min, or the default when unset; anything else fails loudly rather than limit by surprise. */
function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}
