import { ReplacementRefusedError } from '../store/errors.js';
import type { ConnectionIdentity, PeerRecord } from '../store/records.js';
import type { RuntimeServices } from './ports.js';
import { DEFAULT_REPLACEMENT_BACKOFF, backoffAfterReplacing } from './replacement-backoff.js';

/** The 429 a refused replacement gets at $connect; protoo-client retries it with its own backoff. */
export const CONTESTED_REASON = 'peerId is contested: another connection took it over moments ago; try again later';

/**
 * Binds the peerId to this connection unless its current binding is
 * protected or belongs to a newer connection (one PutItem, conditional on
 * both, either way). A
 * refused bind wrote nothing; the connection item written before it is
 * removed, since a refused handshake gets no $disconnect.
 */
export async function bindUnlessProtected(
  services: RuntimeServices,
  bound: ConnectionIdentity,
  data: Record<string, unknown>,
  connectedAt?: number,
): Promise<{ refused: true } | { refused: false; replaced?: PeerRecord }> {
  try {
    return { refused: false, replaced: await services.store.bindPeer(bound, data, connectedAt) };
  } catch (error) {
    if (!(error instanceof ReplacementRefusedError)) throw error;
    await services.store.deleteConnection(bound.connectionId);
    return { refused: true };
  }
}

/**
 * Protects the binding that just replaced `replaced` (one UpdateItem, on
 * this path only), for a window computed from the old binding the Put
 * returned: a peerId that keeps swapping backs off further each time.
 * Called only when the replaced connection was live (a fight needs two
 * clients); one still inside its $connect, or dead, leaves the new binding
 * unprotected.
 */
export async function protectReplacement(services: RuntimeServices, bound: ConnectionIdentity, replaced: PeerRecord): Promise<void> {
  const backoff = backoffAfterReplacing(replaced, services.now(), services.replacementBackoff ?? DEFAULT_REPLACEMENT_BACKOFF);
  await services.store.protectBinding(bound, backoff);
}
