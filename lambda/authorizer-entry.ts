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
import { createLogger, parseLogLevel } from './log.js';

function verifierFromEnv(env: NodeJS.ProcessEnv): TokenVerifier {
  const mode = env.AUTH_MODE ?? 'token';
  if (mode === 'jwks') return jwksVerifierFromEnv(env);
  if (mode !== 'token') throw new Error(`AUTH_MODE must be token or jwks, got ${JSON.stringify(mode)}`);
  if (!env.SECRET_ARN) throw new Error('SECRET_ARN is not set');
  return hs256Verifier(secretsManagerSource({ client: new SecretsManagerClient({}), secretId: env.SECRET_ARN }));
}

export const handler = createAuthorizer(verifierFromEnv(process.env), createLogger(parseLogLevel(process.env.LOG_LEVEL)));
