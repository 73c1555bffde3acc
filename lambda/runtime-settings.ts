import { readConfig } from './config.js';
import { managementClientSettings } from './delivery/management-client-settings.js';
import { replacementBackoffFromEnv } from './runtime/replacement-backoff-settings.js';

/**
 * The runtime's settings read now by the functions that read them at the
 * first invocation — lambda/config.ts (RATE_LIMIT_*, FAN_OUT_CONCURRENCY,
 * DYNAMODB_TIMEOUT_MS, INVOCATION_DEADLINE_MS), the Management API client's
 * (POST_TIMEOUT_MS) and the replacement backoff's (REPLACEMENT_BACKOFF_*) —
 * so `npm start` and `cdk synth` refuse what a cold start would, in the
 * runtime's own words (each names its variable first). Loads no AWS SDK.
 * The table is named by whoever deploys or starts the stack, not checked here.
 */
export function checkRuntimeSettings(env: NodeJS.ProcessEnv): void {
  readConfig({ ...env, TABLE_NAME: 'named-elsewhere' });
  managementClientSettings(env);
  replacementBackoffFromEnv(env);
}
