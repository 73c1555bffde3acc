import { encode } from '../protocol/encode.js';
import { ConnectionReplacedError } from '../app/errors.js';
import type { AppResponse } from '../app/types.js';
import { createErrorResponse } from '../protocol/messages.js';
import { parseMessage } from '../protocol/parse-message.js';
import type { ConnectionIdentity } from '../store/records.js';
import type { RouteOutcome, WebSocketEvent } from './events.js';
import { resolveIdentity } from './identity.js';
import type { RuntimeServices } from './ports.js';
import { checkRateLimit, strikeUnmatchedResponse, type RateLimit } from './rate-limit-gate.js';
import { RequestResponder } from './request-responder.js';
import { RuntimePeer } from './runtime-peer.js';
import { RuntimeRoom } from './runtime-room.js';
import { claimsFrom } from './claims.js';

/**
 * $default: one protoo message. Nothing a client sends can throw out of
 * here: junk is logged and dropped, a bad request with an id gets 400.
 */
export async function onMessage(services: RuntimeServices, event: WebSocketEvent, rateLimit?: RateLimit): Promise<RouteOutcome> {
  const { connectionId, authorizer } = event.requestContext;
  const parsed = parseMessage(event.isBase64Encoded ? undefined : event.body);
  // Before the identity read: a flood costs no DynamoDB call (junk counts too, so it cannot flood the logs).
  const limited = await checkRateLimit(services, rateLimit, connectionId, parsed);
  if (limited) return limited;
  if (parsed.kind === 'junk') {
    services.log.warn('dropped junk message', { connectionId, reason: parsed.reason });
    return { outcome: 'junk' };
  }

  const identity = await resolveIdentity(services, connectionId, authorizer);
  if (!identity) {
    // Replaced while still connecting, or its state is lost: say so, then
    // close it so protoo-client reconnects and binds afresh.
    if (parsed.kind !== 'notification' && parsed.kind !== 'response') {
      const id = parsed.kind === 'request' ? parsed.message.id : parsed.id;
      await services.sender.post(connectionId, encode(createErrorResponse(id, 403, 'unknown connection, reconnect')));
    }
    await services.sender.close(connectionId);
    return { outcome: 'unknown-connection' };
  }
  const where = { roomId: identity.roomId, peerId: identity.peerId };

  switch (parsed.kind) {
    case 'invalid-request': {
      const result = await services.sender.post(connectionId, encode(createErrorResponse(parsed.id, 400, parsed.reason)));
      if (result === 'gone') services.gone.report({ connectionId, identity });
      return { outcome: 'error:400', ...where };
    }
    case 'request': {
      const { id, method, data } = parsed.message;
      const responder = new RequestResponder(services, identity, id);
      let handlerError: unknown;
      try {
        if (services.app.onRequest) {
          await services.app.onRequest({ method, data }, { ...sessionOf(services, identity, authorizer), ...pick(responder) });
        } else {
          await responder.reject(404, `unknown method "${method}"`);
        }
      } catch (error) {
        handlerError = error ?? new Error('handler threw');
      }
      await responder.finish(handlerError);
      if (handlerError instanceof ConnectionReplacedError) return closeReplaced(services, identity, method);
      return { outcome: responder.outcome, method, ...where };
    }
    case 'notification': {
      const { method, data } = parsed.message;
      try {
        await services.app.onNotification?.({ method, data }, sessionOf(services, identity, authorizer));
      } catch (error) {
        if (error instanceof ConnectionReplacedError) return closeReplaced(services, identity, method);
        throw error;
      }
      return { outcome: 'notification', method, ...where };
    }
    case 'response': {
      const taken = await services.store.takePendingRequest(identity.roomId, connectionId, parsed.message.id);
      if (!taken) {
        const limited = await strikeUnmatchedResponse(services, rateLimit, connectionId);
        return { outcome: limited?.outcome ?? 'unmatched-response', ...where };
      }
      const response: AppResponse = parsed.message.ok
        ? { ok: true, data: parsed.message.data }
        : { ok: false, errorCode: parsed.message.errorCode, errorReason: parsed.message.errorReason };
      await services.app.onResponse?.(response, {
        peer: new RuntimePeer(services, identity),
        room: new RuntimeRoom(services, identity.roomId),
        request: { method: taken.method, state: taken.state },
      });
      return { outcome: 'response', method: taken.method, ...where };
    }
  }
}

/** The peer and room as the sender of a request or notification sees them: reads check it still owns its peerId. */
function sessionOf(services: RuntimeServices, identity: ConnectionIdentity, authorizer: Record<string, unknown> | null | undefined) {
  return {
    peer: new RuntimePeer(services, identity, undefined, true, claimsFrom(authorizer)),
    room: new RuntimeRoom(services, identity.roomId, identity),
  };
}

/**
 * The connection lost its peerId to a newer one (already answered 403):
 * close it, so one peerId never has two usable connections. Its
 * $disconnect then finds nothing of its own to remove.
 */
async function closeReplaced(services: RuntimeServices, identity: ConnectionIdentity, method: string): Promise<RouteOutcome> {
  services.identities.delete(identity.connectionId);
  await services.sender.close(identity.connectionId);
  return { outcome: 'replaced-connection-closed', method, roomId: identity.roomId, peerId: identity.peerId };
}

function pick(responder: RequestResponder) {
  return { accept: responder.accept, reject: responder.reject, defer: responder.defer };
}
