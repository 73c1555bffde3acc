import type { AppData } from '../../app/types.js';
import type { RelayPeer } from './types.js';

export async function infoOf(peer: RelayPeer): Promise<AppData> {
  return (await peer.getData()).info ?? {};
}

/** `[{id, data}]`, as `join` answers and `getPeers` list them. */
export function describePeers(peers: readonly RelayPeer[]): Promise<{ id: string; data: AppData }[]> {
  return Promise.all(peers.map(async (peer) => ({ id: peer.id, data: await infoOf(peer) })));
}
