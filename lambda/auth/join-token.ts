/**
 * Join tokens: compact HS256 JWTs that bind one peerId in one room until an
 * expiry, plus optional app claims. Signing and verification are jose's;
 * this module only decides what a join token must contain.
 *
 * Payload: { roomId, peerId, claims?, iat, exp }. App claims live under
 * `claims` so they can never shadow a registered claim (exp, nbf…).
 */
import { jwtVerify, SignJWT } from 'jose';
import { AuthError } from './auth-error.js';
import { fromJoseError } from './jose-errors.js';
import { checkClaims, checkId, type VerifiedIdentity } from './verified-identity.js';

export const JOIN_TOKEN_ALG = 'HS256';
/** Clocks of the minting server and of Lambda may disagree by this much. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
/** HS256 wants a key at least as long as its hash (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

export interface JoinTokenInput {
  roomId: string;
  peerId: string;
  /** Lifetime: seconds, or a jose time span such as '1h', '15 min'. */
  ttl: number | string;
  /** App claims (JSON), delivered to the app with the connection. */
  claims?: Record<string, unknown>;
}

/** The secrets a token may be signed with: the current one, and the one before a rotation. */
export interface JoinTokenSecrets {
  current: string;
  previous?: string;
}

export function secretKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_SECRET_BYTES) throw new Error(`the join-token secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return key;
}

export async function createJoinToken(input: JoinTokenInput, secret: string): Promise<string> {
  const roomId = checkId('roomId', input.roomId);
  const peerId = checkId('peerId', input.peerId);
  const claims = checkClaims(input.claims);
  if (typeof input.ttl === 'number' && !(Number.isFinite(input.ttl) && input.ttl > 0)) {
    throw new Error('ttl must be a positive number of seconds');
  }
  const payload = Object.keys(claims).length > 0 ? { roomId, peerId, claims } : { roomId, peerId };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: JOIN_TOKEN_ALG, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(typeof input.ttl === 'number' ? Math.floor(Date.now() / 1000) + Math.ceil(input.ttl) : input.ttl)
    .sign(secretKey(secret));
}

export interface VerifyOptions {
  /** Seconds of tolerance on exp/nbf/iat. @default 30 */
  clockSkewSeconds?: number;
  /** For tests: the verifier's clock. */
  currentDate?: Date;
}

/** Verifies with the current secret, then with the previous one (rotation). Throws AuthError. */
export async function verifyJoinToken(
  token: string,
  secrets: JoinTokenSecrets,
  options: VerifyOptions = {},
): Promise<VerifiedIdentity> {
  const keys = [secrets.current, secrets.previous].filter((s): s is string => typeof s === 'string' && s !== '');
  let failure: AuthError = new AuthError('signature', 'no secret configured');
  for (const secret of keys) {
    try {
      const { payload } = await jwtVerify(token, secretKey(secret), {
        // Only HS256: `none`, HS384/512 and every asymmetric alg are refused.
        algorithms: [JOIN_TOKEN_ALG],
        requiredClaims: ['exp', 'roomId', 'peerId'],
        clockTolerance: options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
        currentDate: options.currentDate,
      });
      return {
        roomId: checkId('roomId', payload.roomId),
        peerId: checkId('peerId', payload.peerId),
        claims: checkClaims(payload.claims),
        exp: payload.exp!,
      };
    } catch (error) {
      failure = fromJoseError(error);
      // Only a bad signature may mean "signed with the other secret".
      if (failure.reason !== 'signature') throw failure;
    }
  }
  throw failure;
}
