import type { ConnectionIdentity } from '../store/records.js';
import type { IdentityCache } from './ports.js';

/**
 * connectionId → (roomId, peerId) never changes for a connection's life,
 * so a warm Lambda resolves it with no DynamoDB read. Bounded: the oldest
 * entry goes first (Map keeps insertion order).
 */
export function createIdentityCache(maxEntries = 10_000): IdentityCache {
  const entries = new Map<string, ConnectionIdentity>();
  return {
    get: (connectionId) => entries.get(connectionId),
    set(identity) {
      entries.delete(identity.connectionId);
      entries.set(identity.connectionId, identity);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    delete: (connectionId) => void entries.delete(connectionId),
  };
}
