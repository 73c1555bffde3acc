import type { AppData, Peer } from '../../app/types.js';

/** The relay's peer data: the public info a peer joined with. */
export interface RelayPeerData extends AppData {
  info?: AppData;
}

export async function infoOf(peer: Peer): Promise<AppData> {
  return (await peer.getData<RelayPeerData>()).info ?? {};
}

/** `[{id, data}]`, as `join` answers and `getPeers` list them. */
export function describePeers(peers: readonly Peer[]): Promise<{ id: string; data: AppData }[]> {
  return Promise.all(peers.map(async (peer) => ({ id: peer.id, data: await infoOf(peer) })));
}
