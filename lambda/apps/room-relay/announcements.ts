import type { AppData } from '../../app/types.js';
import type { RelayPeer, RelayRoom } from './types.js';

/**
 * What one invocation told one observer about one subject: that it is
 * joined with this connection, or (undefined) that it is not.
 */
export interface Claim {
  observer: RelayPeer;
  subjectId: string;
  subjectConnectionId: string | undefined;
}

/** Rounds of re-reading before giving up: each round needs a new race to be needed. */
const MAX_ROUNDS = 3;

/**
 * `newPeer` and `peerClosed` for one subject can come from different
 * invocations (a join's fan-out, the leave path of the same peer) and
 * nothing orders their posts. So the invocation that posted claims re-reads
 * the roster once its posts are done and corrects every claim the roster
 * no longer agrees with. Any post made by someone else after ours started
 * from a roster read after our claim was made; the last poster to one
 * observer always re-reads after posting — so the last thing each
 * observer hears agrees with the roster. A correction is `peerClosed`, then
 * `newPeer` with current info if the peerId is joined again (by another
 * connection), so an observer never holds a stale peer.
 */
export async function settleClaims(room: RelayRoom, claims: readonly Claim[], infoOf: (peer: RelayPeer) => Promise<AppData>): Promise<void> {
  let open = [...claims];
  for (let round = 0; round < MAX_ROUNDS && open.length > 0; round++) {
    const roster = new Map((await room.getRoster()).map((peer) => [peer.id, peer]));
    const wrong = open.filter(
      (claim) =>
        roster.get(claim.observer.id)?.connectionId === claim.observer.connectionId &&
        roster.get(claim.subjectId)?.connectionId !== claim.subjectConnectionId,
    );
    open = await Promise.all(wrong.map((claim) => correct(claim, roster.get(claim.subjectId), infoOf)));
  }
}

/** Resolves with what the observer was last told; a failed post leaves the claim as it was, for the next round. */
async function correct(claim: Claim, current: RelayPeer | undefined, infoOf: (peer: RelayPeer) => Promise<AppData>): Promise<Claim> {
  const { observer, subjectId } = claim;
  try {
    if (claim.subjectConnectionId !== undefined) await observer.notify('peerClosed', { peerId: subjectId });
  } catch {
    return claim;
  }
  const closed = { ...claim, subjectConnectionId: undefined };
  if (!current) return closed;
  try {
    // Fails if its binding moved on again; the next round reads the roster afresh.
    const info = await infoOf(current);
    await observer.notify('newPeer', { id: subjectId, data: info });
    return { ...claim, subjectConnectionId: current.connectionId };
  } catch {
    return closed;
  }
}
