import { isValidId } from '../runtime/identity.js';
import { AuthError } from './auth-error.js';

/** What a verified token grants: one peerId in one room, plus the app's claims. */
export interface VerifiedIdentity {
  roomId: string;
  peerId: string;
  /** App claims (roles, display names…), handed to the app as JSON. */
  claims: Record<string, unknown>;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Ids must be usable as keys, exactly as the runtime requires of the query string. */
export function checkId(name: 'roomId' | 'peerId', value: unknown): string {
  if (!isValidId(value)) throw new AuthError('invalid-claim', `${name} must match [A-Za-z0-9_.~-]{1,64}`);
  return value;
}

export function checkClaims(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthError('invalid-claim', 'claims must be an object');
  }
  return value as Record<string, unknown>;
}
