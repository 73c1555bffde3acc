import { ReplacementRefusedError } from '../store/errors.js';
import type { ConnectionIdentity, PeerRecord } from '../store/records.js';
import type { RuntimeServices } from './ports.js';
import { DEFAULT_REPLACEMENT_BACKOFF, backoffAfterReplacing } from './replacement-backoff.js';

/** The 429 a refused replacement gets at $connect; protoo-client retries it with its own backoff. */
export const CONTESTED_REASON = 'peerId is contested: another connection took it over moments ago; try again later';

/**
 * Binds the peerId to this connection under the replacement backoff. The
 * normal path is the bind's one PutItem. A replacement adds one UpdateItem
 * that protects the new binding, computed from the old binding the Put
 * returned (so a peerId that keeps swapping backs off further each time).
 * A refused bind wrote nothing; the connection item written before it is
 * removed, since a refused handshake gets no $disconnect.
 */
export async function bindUnderBackoff(
  services: RuntimeServices,
  bound: ConnectionIdentity,
  data: Record<string, unknown>,
): Promise<{ refused: true } | { refused: false; replaced?: PeerRecord }> {
  let replaced: PeerRecord | undefined;
  try {
    replaced = await services.store.bindPeer(bound, data);
  } catch (error) {
    if (!(error instanceof ReplacementRefusedError)) throw error;
    await services.store.deleteConnection(bound.connectionId);
    return { refused: true };
  }
  if (replaced) {
    const backoff = backoffAfterReplacing(replaced, services.now(), services.replacementBackoff ?? DEFAULT_REPLACEMENT_BACKOFF);
    await services.store.protectBinding(bound, backoff);
  }
  return { refused: false, replaced };
}
