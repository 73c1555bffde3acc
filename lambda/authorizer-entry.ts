/**
 * The Lambda entry point of the `$connect` authorizer the stack deploys
 * (handler `index.handler`). Configuration comes from the environment:
 *
 *   AUTH_MODE=token (default)  SECRET_ARN: the Secrets Manager secret of the HS256 join tokens
 *   AUTH_MODE=jwks             JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, PEER_ID_CLAIM (default sub),
 *                              ROOM_CLAIM (optional: the rooms a token may join)
 *
 * Everything is built once per container; the secret is read on the first
 * connect (not at import, so a cold start never fails on a network call).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAuthorizer } from './auth/authorizer.js';
import { jwksVerifierFromEnv } from './auth/jwks-verifier.js';
import { secretsManagerSource } from './auth/secret-source.js';
import { hs256Verifier, type TokenVerifier } from './auth/token-verifier.js';
import { boundedRequestHandler, withoutUnusedMiddleware } from './lean-sdk-client.js';
import { createLogger, parseLogLevel } from './log.js';
import { traced } from './observability/tracing.js';

/**
 * How long reading the join-token secret may take. Secrets Manager answers
 * GetSecretValue in tens of ms, and the authorizer reads it once per
 * container every 5 minutes (auth/secret-source.ts), so a stuck read must
 * fail the connect with a logged error well before the authorizer's 10 s
 * timeout (infra/protoo-authorizer-function.ts) rather than run into it with
 * no log line — the same shape as the DynamoDB client (store/dynamodb-client.ts):
 *
 * - `timeoutMs` 1 s: the wait for a socket to connect (a cold TLS handshake
 *   takes ~100 ms), and then the silence while waiting for the answer, that
 *   fail an attempt; the whole attempt is capped at twice that.
 * - `maxAttempts` 3 (the SDK's standard): retries get through throttling and
 *   a passing 5xx, spaced by the SDK's backoff (≤ 1.5 s in all).
 *   Worst case: 3 × 2 s + 1.5 s = 7.5 s, inside the 10 s timeout.
 */
export interface SecretsClientSettings {
  timeoutMs: number;
  maxAttempts: number;
}

export const DEFAULT_SECRETS_CLIENT_SETTINGS: SecretsClientSettings = { timeoutMs: 1_000, maxAttempts: 3 };

/** A Secrets Manager client whose every call is bounded in time, traced when tracing is on. `endpoint`: tests. */
export function createSecretsClient(settings: SecretsClientSettings = DEFAULT_SECRETS_CLIENT_SETTINGS, endpoint?: string): SecretsManagerClient {
  const client = new SecretsManagerClient({
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: settings.maxAttempts,
    requestHandler: boundedRequestHandler(settings.timeoutMs),
  });
  return traced(withoutUnusedMiddleware(client));
}

function verifierFromEnv(env: NodeJS.ProcessEnv): TokenVerifier {
  const mode = env.AUTH_MODE ?? 'token';
  if (mode === 'jwks') return jwksVerifierFromEnv(env);
  if (mode !== 'token') throw new Error(`AUTH_MODE must be token or jwks, got ${JSON.stringify(mode)}`);
  if (!env.SECRET_ARN) throw new Error('SECRET_ARN is not set');
  return hs256Verifier(secretsManagerSource({ client: createSecretsClient(), secretId: env.SECRET_ARN }));
}

export const handler = createAuthorizer(verifierFromEnv(process.env), createLogger(parseLogLevel(process.env.LOG_LEVEL)));
