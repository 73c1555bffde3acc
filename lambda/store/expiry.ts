import { TTL_ATTRIBUTE } from './table-schema.js';

/** API Gateway closes every connection after 2 h; state lives a little longer. */
export const CONNECTION_STATE_TTL_SECONDS = 2 * 60 * 60 + 10 * 60;

/** Server → client requests: protoo-client gives up long before this. */
export const PENDING_REQUEST_TTL_SECONDS = 5 * 60;

/** DynamoDB's TTL unit: whole seconds since the epoch. */
export function epochSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

export function expiresAt(nowMs: number, ttlSeconds: number): number {
  return epochSeconds(nowMs) + ttlSeconds;
}

/**
 * DynamoDB deletes expired items lazily (up to ~48 h later) and the local
 * engines never do, so every read treats an expired item as absent.
 */
export function isExpired(item: Record<string, unknown>, nowMs: number): boolean {
  const ttl = item[TTL_ATTRIBUTE];
  return typeof ttl === 'number' && ttl <= epochSeconds(nowMs);
}
