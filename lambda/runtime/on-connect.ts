import type { AppData } from '../app/types.js';
import { headerValues, type RouteOutcome, type WebSocketEvent, type WebSocketResult } from './events.js';
import { authorizerSetsIdentity, isValidId } from './identity.js';
import { retireReplacedPeer } from './peer-lifecycle.js';
import type { RuntimeServices } from './ports.js';
import type { ConnectionIdentity } from '../store/records.js';
import { CONTESTED_REASON, bindUnlessProtected, protectReplacement } from './replacement-bind.js';
import { claimsFrom } from './claims.js';

export const PROTOO_SUBPROTOCOL = 'protoo';

export type ConnectOutcome = RouteOutcome & { result: WebSocketResult };

/**
 * $connect: the handshake is accepted only for protoo clients with a valid
 * identity the app accepts. Binding the peer replaces (and closes) any
 * older connection with the same peerId, so the room holds one of each —
 * except a binding that itself replaced a live connection moments ago: that
 * replacement is refused with 429 (see replacement-backoff.ts).
 */
export async function onConnect(services: RuntimeServices, event: WebSocketEvent): Promise<ConnectOutcome> {
  const { connectionId, authorizer } = event.requestContext;
  if (!offersProtooSubprotocol(event)) {
    return refuse(403, 'the protoo subprotocol is required (Sec-WebSocket-Protocol: protoo)', 'no-subprotocol');
  }

  const query = event.queryStringParameters ?? {};
  const identity = authorizerSetsIdentity(authorizer)
    ? { connectionId, roomId: authorizer!.roomId, peerId: authorizer!.peerId }
    : { connectionId, roomId: query.roomId, peerId: query.peerId };
  if (!isValidId(identity.roomId) || !isValidId(identity.peerId)) {
    return refuse(400, 'roomId and peerId must match [A-Za-z0-9_.~-]{1,64}', 'invalid-id');
  }
  const { roomId, peerId } = identity;

  let decision: { accepted: true; data: AppData } | { accepted: false; code: number; reason: string } | undefined;
  if (services.app.onConnectionRequest) {
    await services.app.onConnectionRequest(
      {
        roomId,
        peerId,
        connectionId,
        headers: event.headers ?? {},
        query,
        sourceIp: event.requestContext.identity?.sourceIp,
        authorizer: authorizer ?? undefined,
        claims: claimsFrom(authorizer),
      },
      {
        accept: (data = {}) => void (decision ??= { accepted: true, data }),
        reject: (code = 403, reason = 'rejected') => void (decision ??= { accepted: false, code, reason }),
      },
    );
    if (!decision) throw new Error('onConnectionRequest returned without calling accept() or reject()');
  } else {
    decision = { accepted: true, data: {} };
  }
  if (!decision.accepted) return { ...refuse(decision.code, decision.reason, `rejected:${decision.code}`), roomId, peerId };

  const bound = { connectionId, roomId, peerId };
  await services.store.putConnection(bound);
  // The deadline has answered this handshake 503 already: binding now would take the peerId for a
  // connection API Gateway refused. (A bind of the client's newer retry is fenced by connectedAt.)
  if (services.abandoned?.()) return abandonHandshake(services, bound);
  const binding = await bindUnlessProtected(services, bound, decision.data, event.requestContext.connectedAt);
  if (binding.refused) return { ...refuse(429, CONTESTED_REASON, 'refused:contested'), roomId, peerId };
  const { replaced } = binding;
  if (services.abandoned?.()) {
    // The bind was in flight when the deadline answered: the connection it replaced is ended as
    // replaced (its binding is gone) but the refused one is not protected, and its binding goes too,
    // so the client's retry is a plain first connect, never refused as contested.
    if (replaced) await retireReplacedPeer(services, replaced);
    return abandonHandshake(services, bound);
  }
  services.identities.set(bound);
  if (replaced) await retireReplacedPeer(services, replaced, () => protectReplacement(services, bound, replaced));

  return {
    result: { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': PROTOO_SUBPROTOCOL } },
    outcome: replaced ? 'accepted:replaced' : 'accepted',
    roomId,
    peerId,
  };
}

function offersProtooSubprotocol(event: WebSocketEvent): boolean {
  return headerValues(event, 'sec-websocket-protocol')
    .flatMap((value) => value.split(','))
    .some((protocol) => protocol.trim() === PROTOO_SUBPROTOCOL);
}

/** Undoes what a $connect refused by its deadline wrote: its binding, if it is still its own, and its connection item. */
async function abandonHandshake(services: RuntimeServices, bound: ConnectionIdentity): Promise<ConnectOutcome> {
  await services.store.unbindPeer(bound);
  await services.store.deleteConnection(bound.connectionId);
  return { ...refuse(503, 'abandoned after the deadline', 'abandoned'), roomId: bound.roomId, peerId: bound.peerId };
}

function refuse(statusCode: number, reason: string, outcome: string): ConnectOutcome {
  return { result: { statusCode, body: reason }, outcome };
}
