/**
 * Why a join token was refused. The authorizer logs `reason` (never the
 * token) and answers API Gateway's 401, which tells the client nothing more.
 */
export type AuthFailure =
  | 'missing-token'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'missing-claim'
  | 'invalid-claim'
  | 'claims-too-large'
  | 'jwks-unavailable';

export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly reason: AuthFailure,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}
