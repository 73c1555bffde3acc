/**
 * JWKS mode: tokens issued by an external identity provider (a Cognito user
 * pool, Auth0, Keycloak…), verified with jose against the provider's JWKS
 * (fetched once and cached by jose, refetched when an unknown `kid` shows up).
 *
 * The peerId is a claim of the token (default `sub`); the roomId comes from
 * the query string, and when a room claim is configured it must be listed
 * there (a string, or an array of strings; `*` allows any room).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './auth-error.js';
import { fromJoseError } from './jose-errors.js';
import { DEFAULT_CLOCK_SKEW_SECONDS } from './join-token.js';
import type { TokenVerifier } from './token-verifier.js';
import { checkId } from './verified-identity.js';

export interface JwksOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** @default 'sub' */
  peerIdClaim?: string;
  /** A claim listing the rooms the token may join. @default - any room */
  roomClaim?: string;
  /** @default ['RS256', 'ES256', 'PS256'] */
  algorithms?: string[];
  /** @default 30 */
  clockSkewSeconds?: number;
}

/** Registered claims stay out of the app claims: the app gets what the IdP says about the user. */
const REGISTERED = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti']);

/** What the token itself is to blame for when its key is looked up; anything else is the key set's fault. */
const TOKEN_KEY_ERRORS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSEAlgNotAllowed, errors.JOSENotSupported];

/**
 * The provider's key set, with a failure to get it (refused, 5xx, timeout,
 * not a key set) reported as `jwks-unavailable`: jose throws plain
 * TypeErrors and JOSEErrors for some of them, which would otherwise be
 * logged as the client's malformed token.
 */
function remoteKeys(url: string): JWTVerifyGetKey {
  const keys = createRemoteJWKSet(new URL(url));
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (TOKEN_KEY_ERRORS.some((type) => error instanceof type)) throw error;
      throw new AuthError('jwks-unavailable', error instanceof Error ? error.message : String(error));
    }
  };
}

export function jwksVerifier(options: JwksOptions): TokenVerifier {
  const keys = remoteKeys(options.jwksUrl);
  const peerIdClaim = options.peerIdClaim ?? 'sub';
  return async (token, query) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms ?? ['RS256', 'ES256', 'PS256'],
        requiredClaims: ['exp', peerIdClaim],
        clockTolerance: options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
      }));
    } catch (error) {
      throw fromJoseError(error);
    }
    const peerId = checkId('peerId', payload[peerIdClaim]);
    if (!query.roomId) throw new AuthError('invalid-claim', 'no ?roomId= parameter');
    const roomId = checkId('roomId', query.roomId);
    if (options.roomClaim !== undefined && !roomAllowed(payload[options.roomClaim], roomId)) {
      throw new AuthError('invalid-claim', `room ${roomId} is not in the token's ${options.roomClaim} claim`);
    }
    const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !REGISTERED.has(name)));
    return { roomId, peerId, claims, exp: payload.exp! };
  };
}

function roomAllowed(claim: unknown, roomId: string): boolean {
  const rooms = typeof claim === 'string' ? claim.split(/[\s,]+/) : Array.isArray(claim) ? claim : [];
  return rooms.some((room) => room === roomId || room === '*');
}

export function jwksVerifierFromEnv(env: NodeJS.ProcessEnv): TokenVerifier {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`AUTH_MODE=jwks needs ${name}`);
    return value;
  };
  return jwksVerifier({
    jwksUrl: need('JWKS_URL'),
    issuer: need('JWT_ISSUER'),
    audience: need('JWT_AUDIENCE'),
    peerIdClaim: env.PEER_ID_CLAIM || undefined,
    roomClaim: env.ROOM_CLAIM || undefined,
  });
}
