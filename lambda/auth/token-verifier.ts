/**
 * HS256 mode: verify a join token against the secret source, refreshing the
 * secret once if the signature fails on a cached copy that may predate a
 * rotation.
 */
import { AuthError } from './auth-error.js';
import { verifyJoinToken, type VerifyOptions } from './join-token.js';
import type { SecretSource } from './secret-source.js';
import type { VerifiedIdentity } from './verified-identity.js';

export type TokenVerifier = (token: string, query: Record<string, string | undefined>) => Promise<VerifiedIdentity>;

/** At most one early Secrets Manager read per container per minute. */
export const MIN_REFRESH_MS = 60_000;

export function hs256Verifier(source: SecretSource, options: VerifyOptions = {}): TokenVerifier {
  return async (token) => {
    try {
      return await verifyJoinToken(token, await source.get(), options);
    } catch (error) {
      if (!(error instanceof AuthError) || error.reason !== 'signature') throw error;
      if (!(await source.refreshIfOlderThan(MIN_REFRESH_MS))) throw error;
      return verifyJoinToken(token, await source.get(), options);
    }
  };
}
