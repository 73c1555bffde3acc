/**
 * WebSocket close codes and the `$disconnect` reasons API Gateway reports
 * with them, whether the gateway or the client ended the connection.
 */

export interface CloseCause {
  statusCode: number;
  reason: string;
}

/** Close codes and the `$disconnect` reasons that go with them. */
export const CLOSE = {
  normal: { statusCode: 1000, reason: 'Connection Closed Normally' },
  goingAway: { statusCode: 1001, reason: 'Going away' },
  unsupported: { statusCode: 1003, reason: 'Binary frames are not supported' },
  tooBig: { statusCode: 1009, reason: 'Message too big' },
} as const;

/** The cause `$disconnect` reports when the client, not the gateway, closed. */
export function clientCloseCause(code: number, reason: string): CloseCause {
  if (code === 1005) return { statusCode: 1005, reason: 'Client-side close frame status not set' };
  if (code === 1006) return { statusCode: 1006, reason: 'Connection was closed abnormally' };
  if (reason) return { statusCode: code, reason };
  if (code === 1000) return { ...CLOSE.normal };
  if (code === 1001) return { ...CLOSE.goingAway };
  return { statusCode: code, reason: '' };
}
