import { ConnectionReplacedError, ProtooError } from '../../app/errors.js';
import type { AppData } from '../../app/types.js';
import type { RelayPeer, RelayRequestContext } from './types.js';
import { isPlainObject } from '../../protocol/parse-message.js';
import { isValidId } from '../../runtime/identity.js';

/** Notifications the server itself sends: a peer may not forge them. */
export const RESERVED_NOTIFICATIONS = new Set(['newPeer', 'peerClosed', 'peerReplaced']);

/**
 * `peerRequest`: the target's answer comes back in another invocation,
 * through onResponse. As in mediasoup-demo's server, only a joined peer
 * may relay, and only to a joined peer. One roster read answers both,
 * and tells the target's connection.
 */
export async function peerRequest(data: AppData, { peer, room, defer }: RelayRequestContext): Promise<void> {
  const { peerId, method } = data;
  if (typeof peerId !== 'string' || typeof method !== 'string' || method.length === 0) {
    throw new ProtooError(400, 'peerRequest needs string peerId and method');
  }
  checkPeerId(peerId);
  checkRelayedData(data.data);

  const target = joinedTarget(await joinedRoster(peer, room), peerId);
  const replyTo = defer();
  await target.request(method, { from: peer.id, data: data.data ?? {} }, { state: { replyTo } });
}

/** `peerNotify`: to one joined peer, or (no peerId) to every other joined peer. */
export async function peerNotify(data: AppData, { peer, room, accept }: RelayRequestContext): Promise<void> {
  const { peerId, method } = data;
  if ((peerId !== undefined && typeof peerId !== 'string') || typeof method !== 'string' || method.length === 0) {
    throw new ProtooError(400, 'peerNotify needs a string method and an optional string peerId');
  }
  if (RESERVED_NOTIFICATIONS.has(method)) throw new ProtooError(400, `"${method}" is reserved for the server`);
  if (peerId !== undefined) checkPeerId(peerId);
  checkRelayedData(data.data);

  const roster = await joinedRoster(peer, room);
  const payload = { from: peer.id, data: data.data ?? {} };
  if (peerId === undefined) {
    const others = roster.filter((candidate) => candidate.id !== peer.id);
    return accept({ delivered: await room.notifyPeers(others, method, payload) });
  }
  const delivered = await joinedTarget(roster, peerId).notify(method, payload);
  return accept({ delivered: delivered ? 1 : 0 });
}

/** The roster, once it shows the caller joined with this very connection. */
async function joinedRoster(peer: RelayPeer, room: RelayRequestContext['room']): Promise<RelayPeer[]> {
  const roster = await room.getRoster();
  const own = roster.find((candidate) => candidate.id === peer.id);
  if (own && own.connectionId !== peer.connectionId) throw new ConnectionReplacedError(peer.id);
  if (!own) {
    // Not joined: either it has yet to join, or its peerId went to a connection that has not joined
    // yet. Only this refusal pays the read that tells them apart (it throws ConnectionReplacedError,
    // so the runtime closes the connection); a relay from a joined peer never does.
    await peer.getData();
    throw new ProtooError(403, 'join the room first');
  }
  return roster;
}

function joinedTarget(roster: RelayPeer[], peerId: string): RelayPeer {
  const target = roster.find((candidate) => candidate.id === peerId);
  if (!target) throw new ProtooError(404, `peer "${peerId}" is not in the room`);
  return target;
}

/** Not a valid id cannot name a peer: say so, rather than look it up. */
function checkPeerId(peerId: string): void {
  if (!isValidId(peerId)) throw new ProtooError(400, 'peerId must match [A-Za-z0-9_.~-]{1,64}');
}

function checkRelayedData(value: unknown): void {
  if (value !== undefined && !isPlainObject(value)) throw new ProtooError(400, 'data.data must be an object');
}
