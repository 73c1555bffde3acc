import { DEFAULT_REPLACEMENT_BACKOFF, type ReplacementBackoffPolicy } from './replacement-backoff.js';

/**
 * The replacement backoff from environment variables (unset: the default),
 * read where the handlers are built. A bad value throws, so it fails the
 * cold start with one line instead of some later $connect.
 */
export function replacementBackoffFromEnv(env: NodeJS.ProcessEnv): ReplacementBackoffPolicy {
  const policy = {
    firstWindowMs: number(env, 'REPLACEMENT_BACKOFF_FIRST_MS', DEFAULT_REPLACEMENT_BACKOFF.firstWindowMs),
    growth: number(env, 'REPLACEMENT_BACKOFF_GROWTH', DEFAULT_REPLACEMENT_BACKOFF.growth),
    capMs: number(env, 'REPLACEMENT_BACKOFF_CAP_MS', DEFAULT_REPLACEMENT_BACKOFF.capMs),
  };
  if (policy.firstWindowMs < 0) throw new Error(`REPLACEMENT_BACKOFF_FIRST_MS must be ≥ 0, got ${policy.firstWindowMs}`);
  if (policy.growth < 1) throw new Error(`REPLACEMENT_BACKOFF_GROWTH must be ≥ 1, got ${policy.growth}`);
  if (policy.capMs < policy.firstWindowMs) throw new Error(`REPLACEMENT_BACKOFF_CAP_MS must be ≥ REPLACEMENT_BACKOFF_FIRST_MS, got ${policy.capMs}`);
  return policy;
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}
