/**
 * jose's verification errors, mapped to the reasons the authorizer logs.
 * Anything jose does not classify is treated as a malformed token.
 */
import { errors } from 'jose';
import { AuthError } from './auth-error.js';

export function fromJoseError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('expired', error.message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return new AuthError('missing-claim', error.message);
    if (error.claim === 'nbf' || error.claim === 'iat') return new AuthError('not-yet-valid', error.message);
    return new AuthError('invalid-claim', error.message);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthError('algorithm', error.message);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthError('signature', error.message);
  if (error instanceof errors.JWKSNoMatchingKey) return new AuthError('signature', error.message);
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new AuthError('jwks-unavailable', error.message);
  }
  return new AuthError('malformed', error instanceof Error ? error.message : String(error));
}
