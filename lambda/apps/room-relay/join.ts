import { ProtooError, RoomFullError } from '../../app/errors.js';
import type { AppData } from '../../app/types.js';
import type { RelayPeer, RelayPeerData, RelayRequestContext } from './types.js';
import { isPlainObject } from '../../protocol/parse-message.js';
import { settleClaims, type Claim } from './announcements.js';
import type { RoomRelayLimits } from './limits.js';
import { describePeers, infoOf } from './peer-info.js';

/**
 * `join`: all or nothing. Capacity and a second join are refused before
 * anything is written; once enrolled, a failure takes the peer off the
 * roster again and tells whoever may have heard `newPeer`, so a retry
 * starts clean. After its posts, the join settles what it announced
 * against the roster (see announcements.ts), which is what keeps a join
 * racing its own close or replacement from leaving a ghost.
 */
export async function join(data: AppData, { peer, room, accept }: RelayRequestContext, limits: RoomRelayLimits): Promise<void> {
  const info = data.data === undefined ? {} : data.data;
  if (!isPlainObject(info)) throw new ProtooError(400, 'data.data must be an object');
  if (Buffer.byteLength(JSON.stringify(info)) > limits.maxInfoBytes) {
    throw new ProtooError(413, `peer info exceeds ${limits.maxInfoBytes} bytes`);
  }

  // Both reads check that this connection still owns its peerId.
  const [, roster] = await Promise.all([peer.getData(), room.getRoster()]);
  const own = roster.find((candidate) => candidate.id === peer.id);
  if (own?.connectionId === peer.connectionId) throw new ProtooError(409, 'already joined');
  if (!own && roster.length >= limits.maxPeers) throw new RoomFullError(limits.maxPeers);

  // Info first, roster second: whoever sees this peer on the roster can read its info.
  await peer.setData({ info } satisfies RelayPeerData);
  const earlier = await room.enroll(peer, { capacity: limits.maxPeers });

  const claims: Claim[] = [];
  try {
    await accept({ peers: await describePeers(earlier) });
    claims.push(...earlier.map((other) => announced(peer, other)));
    await room.notifyPeers(earlier, 'newPeer', { id: peer.id, data: info });
    claims.push(...earlier.map((other) => announced(other, peer)));
  } catch (error) {
    // Off the roster, then settle as if everyone had heard newPeer: the fan-out may have reached any of them.
    await room.unenroll(peer);
    await settleClaims(room, earlier.map((other) => announced(other, peer)), infoOf);
    throw error;
  }
  await settleClaims(room, claims, infoOf);
}

function announced(observer: RelayPeer, subject: RelayPeer): Claim {
  return { observer, subjectId: subject.id, subjectConnectionId: subject.connectionId };
}
