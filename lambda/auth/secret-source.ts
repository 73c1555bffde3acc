/**
 * The join-token secret, read from AWS Secrets Manager once per container
 * and cached. The secret string is either JSON `{ "current": "…",
 * "previous": "…" }` (rotation: tokens signed with either are accepted) or
 * the secret itself.
 *
 * The cache expires after maxAgeMs so a rotation reaches warm containers;
 * the verifier may also refresh early when a signature fails (a token signed
 * with a secret rotated in after the cache was filled), at most once per
 * minRefreshMs, so forged tokens cannot turn into a Secrets Manager call each.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { JoinTokenSecrets } from './join-token.js';

export function parseSecretString(value: string): JoinTokenSecrets {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as { current?: unknown; previous?: unknown };
    if (typeof parsed.current !== 'string' || parsed.current === '') {
      throw new Error('the join-token secret JSON needs a non-empty "current" string');
    }
    if (parsed.previous !== undefined && typeof parsed.previous !== 'string') {
      throw new Error('the join-token secret\'s "previous" must be a string');
    }
    return parsed.previous ? { current: parsed.current, previous: parsed.previous } : { current: parsed.current };
  }
  if (trimmed === '') throw new Error('the join-token secret is empty');
  return { current: value };
}

export interface SecretSource {
  get(): Promise<JoinTokenSecrets>;
  /** Re-reads the secret if the cached copy is older than minAgeMs; resolves whether it did. */
  refreshIfOlderThan(minAgeMs: number): Promise<boolean>;
}

export interface SecretsManagerSourceOptions {
  client: SecretsManagerClient;
  secretId: string;
  /** @default 5 minutes */
  maxAgeMs?: number;
  now?: () => number;
}

export function secretsManagerSource(options: SecretsManagerSourceOptions): SecretSource {
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<JoinTokenSecrets> } | undefined;

  const load = () => {
    const value = options.client
      .send(new GetSecretValueCommand({ SecretId: options.secretId }))
      .then((out) => {
        if (out.SecretString === undefined) throw new Error('the join-token secret has no SecretString');
        return parseSecretString(out.SecretString);
      });
    const entry = { at: now(), value };
    cached = entry;
    // A failed read is not cached: the next invocation tries again.
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };

  return {
    get: () => (cached && now() - cached.at < maxAgeMs ? cached.value : load()),
    async refreshIfOlderThan(minAgeMs) {
      if (cached && now() - cached.at < minAgeMs) return false;
      await load();
      return true;
    },
  };
}

/** A fixed secret (the local stack's development secret, tests). */
export function staticSource(secrets: JoinTokenSecrets): SecretSource {
  return { get: async () => secrets, refreshIfOlderThan: async () => false };
}
