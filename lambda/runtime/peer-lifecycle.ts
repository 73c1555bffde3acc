import type { AppResponse, PeerClosedReason } from '../app/types.js';
import { settleWithConcurrency } from '../delivery/bounded-map.js';
import { createNotification } from '../protocol/messages.js';
import type { ConnectionIdentity, PeerRecord, Roster } from '../store/records.js';
import { resolveIdentity } from './identity.js';
import type { RuntimeServices } from './ports.js';
import { RuntimePeer, identityOf } from './runtime-peer.js';
import { RuntimeRoom } from './runtime-room.js';

/** What a request pending on a peer that left resolves to. */
export const PEER_CLOSED_RESPONSE: AppResponse = { ok: false, errorCode: 410, errorReason: 'peer closed' };

/**
 * A connection ended ($disconnect, Gone, or closed by the app). Removes
 * its peer only if this connection still owns it — a late $disconnect of
 * a replaced connection leaves the new binding alone — fails the requests
 * pending on it, and tells the app once, whoever gets here first.
 */
export async function endPeer(services: RuntimeServices, identity: ConnectionIdentity, reason: PeerClosedReason): Promise<void> {
  services.identities.delete(identity.connectionId);
  const removed = await services.store.unbindPeer(identity);
  const roster = await services.store.leaveRoster(identity);
  await services.store.deleteConnection(identity.connectionId);
  await failPendingRequests(services, identity, removed);
  // Announce if this connection still owned the peer or its roster entry
  // (a replacement half done before a crash leaves only the latter).
  if (removed || roster) {
    await announcePeerClosed(services, removed ?? { ...identity, data: {}, version: 0 }, reason, roster);
  }
}

/**
 * A newer connection took over the peerId. The old one is told and closed
 * (API Gateway cannot close with protoo's 4000, so an unmodified
 * protoo-client would reconnect; `peerReplaced` lets the app stop it).
 */
export async function retireReplacedPeer(services: RuntimeServices, old: PeerRecord): Promise<void> {
  const identity = identityOf(old);
  services.identities.delete(identity.connectionId);
  const told = await services.sender.post(identity.connectionId, createNotification('peerReplaced', { peerId: old.peerId }));
  if (told === 'sent') await services.sender.close(identity.connectionId);
  const roster = await services.store.leaveRoster(identity);
  await services.store.deleteConnection(identity.connectionId);
  await failPendingRequests(services, identity, old);
  await announcePeerClosed(services, old, 'replaced', roster);
}

/** The Management API said Gone for a connection we only know by id. */
export async function endGoneConnection(services: RuntimeServices, connectionId: string): Promise<void> {
  const identity = await resolveIdentity(services, connectionId, undefined);
  if (identity) await endPeer(services, identity, 'gone');
}

async function failPendingRequests(services: RuntimeServices, identity: ConnectionIdentity, record: PeerRecord | undefined): Promise<void> {
  const pending = await services.store.listPendingRequests(identity.roomId, identity.connectionId);
  if (pending.length === 0) return;
  const room = new RuntimeRoom(services, identity.roomId);
  const peer = new RuntimePeer(services, identity, record);
  await settleWithConcurrency(pending, services.fanOutConcurrency, async ({ requestId }) => {
    // Taking the item decides who answers: the client's late response or us.
    const taken = await services.store.takePendingRequest(identity.roomId, identity.connectionId, requestId);
    if (!taken) return;
    try {
      await services.app.onResponse?.(PEER_CLOSED_RESPONSE, { peer, room, request: { method: taken.method, context: taken.context } });
    } catch (error) {
      services.log.error('onResponse failed for a peer that left', { ...identity, method: taken.method, error });
    }
  });
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
    .map(([peerId, connectionId]) => new RuntimePeer(services, { roomId: record.roomId, peerId, connectionId }));
  try {
    await services.app.onPeerClosed(
      { peerId: record.peerId, roomId: record.roomId, connectionId: record.connectionId, data: record.data, reason, wasEnrolled: rosterAfter !== undefined },
      { room: new RuntimeRoom(services, record.roomId), enrolledPeers },
    );
  } catch (error) {
    services.log.error('onPeerClosed failed', { roomId: record.roomId, peerId: record.peerId, error });
  }
}
