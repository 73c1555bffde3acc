import { encode } from '../protocol/encode.js';
import type { AppResponse, PeerClosedReason } from '../app/types.js';
import { settleWithConcurrency } from '../delivery/bounded-map.js';
import { DeliveryFailedError } from '../delivery/delivery-failed.js';
import { createNotification } from '../protocol/messages.js';
import type { ConnectionIdentity, PeerRecord, Roster } from '../store/records.js';
import { identityOf, resolveIdentity } from './identity.js';
import type { RuntimeServices } from './ports.js';

/** What a request pending on a peer that left resolves to. */
export const PEER_CLOSED_RESPONSE: AppResponse = { ok: false, errorCode: 410, errorReason: 'peer closed' };

/** What a request whose post timed out or kept failing (DeliveryFailedError) resolves to. */
export const PEER_UNREACHABLE_RESPONSE: AppResponse = { ok: false, errorCode: 504, errorReason: 'peer unreachable' };

/** What a request to a peer whose handshake has not completed yet resolves to. */
export const PEER_CONNECTING_RESPONSE: AppResponse = { ok: false, errorCode: 410, errorReason: 'peer is still connecting' };

/**
 * API Gateway answers Gone to posts until a connection's handshake
 * completes, and $connect may take up to its 29 s integration timeout: a
 * binding younger than this may still be connecting, not dead — unless
 * something proves it was open: its data was written since (the relay
 * writes it on join, which only an open connection can send) or a request
 * was delivered to it and awaits its answer.
 */
export const CONNECTING_GRACE_MS = 30_000;

async function mayStillBeConnecting(services: RuntimeServices, record: PeerRecord, undeliveredRequestId?: number): Promise<boolean> {
  if (record.version !== 0 || services.now() - record.boundAt >= CONNECTING_GRACE_MS) return false;
  const pending = await services.store.listPendingRequests(record.roomId, record.connectionId);
  return pending.every((request) => request.requestId === undeliveredRequestId);
}

/**
 * A connection ended ($disconnect, Gone, closed by the app, or replaced).
 * Removes its peer only if this connection still owns it — a late
 * $disconnect of a replaced connection leaves the new binding alone —
 * fails the requests pending on it, and tells the app once, whoever gets
 * here first. A replacement passes the binding its Put already overwrote.
 */
export async function endPeer(
  services: RuntimeServices,
  identity: ConnectionIdentity,
  reason: PeerClosedReason,
  overwritten?: PeerRecord,
): Promise<void> {
  services.identities.delete(identity.connectionId);
  const removed = overwritten ?? (await services.store.unbindPeer(identity));
  const roster = await services.store.leaveRoster(identity);
  await services.store.deleteConnection(identity.connectionId);
  await failPendingRequests(services, identity, removed);
  // Announce if this connection still owned the peer or its roster entry
  // (a replacement half done before a crash leaves only the latter).
  if (removed || roster) {
    await announcePeerClosed(services, removed ?? { ...identity, data: {}, version: 0, boundAt: 0 }, reason, roster);
  }
}

/**
 * A newer connection took over the peerId. The old one is told and closed
 * (API Gateway cannot close with protoo's 4000, so an unmodified
 * protoo-client would reconnect; `peerReplaced` lets the app stop it).
 * `ifReachable` runs when the post reached it, before it is closed: a
 * live old connection is a client that will come back for its peerId.
 */
export async function retireReplacedPeer(services: RuntimeServices, old: PeerRecord, ifReachable?: () => Promise<unknown>): Promise<void> {
  // A stuck old connection must not refuse the new one: a post or close
  // that cannot get through is logged and the replacement goes on.
  const told = await tolerateUndelivered(services, old, () => services.sender.post(old.connectionId, encode(createNotification('peerReplaced', { peerId: old.peerId }))));
  if (told === 'sent') await ifReachable?.();
  // Close even when the post found it Gone: it may still be inside its own $connect.
  await tolerateUndelivered(services, old, () => services.sender.close(old.connectionId));
  await endPeer(services, identityOf(old), 'replaced', old);
}

async function tolerateUndelivered<T>(services: RuntimeServices, old: PeerRecord, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) throw error;
    services.log.warn('replaced connection unreachable', { ...identityOf(old), error: error.message });
    return undefined;
  }
}

/**
 * Whether a connection the Management API called Gone is dead, or may be a
 * connection still inside $connect (a young binding with no sign of having
 * been open), which is kept.
 */
export async function isReallyGone(
  services: RuntimeServices,
  identity: ConnectionIdentity,
  known?: PeerRecord,
  /** The request whose post just met Gone: it proves nothing. */
  undeliveredRequestId?: number,
): Promise<boolean> {
  const record = known?.connectionId === identity.connectionId ? known : await services.store.getPeer(identity.roomId, identity.peerId);
  if (record?.connectionId === identity.connectionId && (await mayStillBeConnecting(services, record, undeliveredRequestId))) {
    services.log.info('Gone from a connection still connecting; kept', { ...identity });
    return false;
  }
  return true;
}

/** The Management API said Gone: ends the peer unless it may still be connecting. Resolves true when it was ended. */
export async function endGonePeer(services: RuntimeServices, identity: ConnectionIdentity, known?: PeerRecord): Promise<boolean> {
  if (!(await isReallyGone(services, identity, known))) return false;
  await endPeer(services, identity, 'gone');
  return true;
}

/**
 * Ends every connection reported Gone during this invocation (see
 * gone-ledger.ts), after the handler's own work; failures are logged, never
 * thrown: the invocation's answer has gone out already.
 */
export async function endReportedGone(services: RuntimeServices): Promise<void> {
  if (services.gone.pending === 0) return;
  const failures = await services.gone.endAll(async ({ connectionId, identity, record, confirmed }) => {
    const known = identity ?? (await resolveIdentity(services, connectionId, undefined));
    if (!known) return;
    if (confirmed) await endPeer(services, known, 'gone');
    else await endGonePeer(services, known, record);
  }, services.fanOutConcurrency);
  for (const error of failures) services.log.error('ending a Gone connection failed', { error });
}

async function failPendingRequests(services: RuntimeServices, identity: ConnectionIdentity, record: PeerRecord | undefined): Promise<void> {
  const pending = await services.store.listPendingRequests(identity.roomId, identity.connectionId);
  await settleWithConcurrency(pending, services.fanOutConcurrency, ({ requestId }) =>
    failPendingRequest(services, identity, requestId, PEER_CLOSED_RESPONSE, record),
  );
}

/**
 * Answers one pending server → client request with an error, on the app's
 * behalf. Taking the item decides who answers: the client's late response
 * or us, never both.
 */
export async function failPendingRequest(
  services: RuntimeServices,
  identity: ConnectionIdentity,
  requestId: number,
  response: AppResponse,
  record?: PeerRecord,
): Promise<void> {
  const taken = await services.store.takePendingRequest(identity.roomId, identity.connectionId, requestId);
  if (!taken) return;
  try {
    await services.app.onResponse?.(response, {
      peer: services.objects.peer(identity, record),
      room: services.objects.room(identity.roomId),
      request: { method: taken.method, state: taken.state },
    });
  } catch (error) {
    services.log.error('onResponse failed for an unanswerable request', { ...identity, method: taken.method, error });
  }
}

async function announcePeerClosed(
  services: RuntimeServices,
  record: PeerRecord,
  reason: PeerClosedReason,
  rosterAfter: Roster | undefined,
): Promise<void> {
  if (!services.app.onPeerClosed) return;
  const enrolledPeers = [...(rosterAfter ?? [])]
    .filter(([peerId]) => peerId !== record.peerId)
    .map(([peerId, connectionId]) => services.objects.peer({ roomId: record.roomId, peerId, connectionId }));
  try {
    await services.app.onPeerClosed(
      { peerId: record.peerId, roomId: record.roomId, connectionId: record.connectionId, data: record.data, reason, wasEnrolled: rosterAfter !== undefined },
      { room: services.objects.room(record.roomId), enrolledPeers },
    );
  } catch (error) {
    services.log.error('onPeerClosed failed', { roomId: record.roomId, peerId: record.peerId, error });
  }
}
