import type { RouteOutcome, WebSocketEvent } from './events.js';
import { resolveIdentity } from './identity.js';
import { endPeer } from './peer-lifecycle.js';
import type { RuntimeServices } from './ports.js';

/**
 * $disconnect is best-effort on API Gateway: it may come late, after a
 * replacement, or never (Gone cleanup covers that). endPeer is
 * conditional, so a late one never removes the newer connection's peer.
 */
export async function onDisconnect(services: RuntimeServices, event: WebSocketEvent): Promise<RouteOutcome> {
  const { connectionId, authorizer } = event.requestContext;
  const identity = await resolveIdentity(services, connectionId, authorizer);
  if (!identity) return { outcome: 'unknown-connection' };
  await endPeer(services, identity, 'disconnected');
  return { outcome: 'disconnected', roomId: identity.roomId, peerId: identity.peerId };
}
