import type { ConnectionIdentity, PeerRecord } from '../store/records.js';
import type { RuntimeServices } from './ports.js';

/** roomId and peerId must be safe in keys, logs and URLs. */
export const ID_PATTERN = /^[A-Za-z0-9_.~-]{1,64}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * A $connect authorizer that returns roomId and peerId in its context makes
 * them the identity; API Gateway then delivers them with every message.
 */
export function identityFromAuthorizer(
  connectionId: string,
  authorizer: Record<string, unknown> | null | undefined,
): ConnectionIdentity | undefined {
  if (!authorizerSetsIdentity(authorizer)) return undefined;
  const { roomId, peerId } = authorizer!;
  if (!isValidId(roomId) || !isValidId(peerId)) return undefined;
  return { connectionId, roomId, peerId };
}

/**
 * An authorizer that names either id owns the identity: if its ids are
 * unusable the handshake is refused, never completed from the query string
 * (which the client controls).
 */
export function authorizerSetsIdentity(authorizer: Record<string, unknown> | null | undefined): boolean {
  return authorizer != null && (authorizer.roomId !== undefined || authorizer.peerId !== undefined);
}

/** Authorizer context, then the warm cache, then one GetItem. */
export async function resolveIdentity(
  services: RuntimeServices,
  connectionId: string,
  authorizer: Record<string, unknown> | null | undefined,
): Promise<ConnectionIdentity | undefined> {
  const known = identityFromAuthorizer(connectionId, authorizer) ?? services.identities.get(connectionId);
  if (known) return known;
  const stored = await services.store.getConnection(connectionId);
  if (stored) services.identities.set(stored);
  return stored;
}

/** The identity a peer record binds. */
export function identityOf(record: PeerRecord): ConnectionIdentity {
  return { connectionId: record.connectionId, roomId: record.roomId, peerId: record.peerId };
}
