import type { ConnectionIdentity, PeerRecord } from '../store/records.js';
import type { AppObjects, RuntimeServices } from './ports.js';
import { RuntimePeer } from './runtime-peer.js';
import { RuntimeRoom } from './runtime-room.js';

/** The app API's Peer and Room for one invocation's services (see AppObjects in ports.ts). */
export function appObjectsFor(services: RuntimeServices): AppObjects {
  return {
    peer: (identity: ConnectionIdentity, record?: PeerRecord) => new RuntimePeer(services, identity, record),
    room: (roomId: string) => new RuntimeRoom(services, roomId),
  };
}
