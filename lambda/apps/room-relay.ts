import { ProtooError } from '../app/errors.js';
import type { App } from '../app/types.js';
import { join } from './room-relay/join.js';
import { DEFAULT_LIMITS, validateLimits, type RoomRelayLimits } from './room-relay/limits.js';
import { describePeers } from './room-relay/peer-info.js';
import { peerNotify, peerRequest } from './room-relay/relay.js';
import type { RelayPeerData, RelayRequestState } from './room-relay/types.js';

/** Peers carry the info they joined with; relayed requests carry where to send the answer. */
export type RoomRelay = App<RelayPeerData, RelayRequestState>;

export { DEFAULT_LIMITS, limitsFromEnv, type RoomRelayLimits } from './room-relay/limits.js';
export { RESERVED_NOTIFICATIONS } from './room-relay/relay.js';

/**
 * The default app: a room where peers join with public info and relay
 * requests and notifications to each other — the signaling of a WebRTC
 * mesh app. "Joined" means enrolled on the room's roster (Room.enroll),
 * so peers joining at the same moment still meet exactly once, and the
 * roster's capacity keeps every peer list inside one message.
 */
export function createRoomRelay(limits: RoomRelayLimits = DEFAULT_LIMITS): RoomRelay {
  validateLimits(limits);
  return {
    // A concurrent join that wrote this peer first makes setData throw PeerDataChangedError: answered 409.
    async onRequest({ method, data }, context) {
      switch (method) {
        case 'join':
          return join(data, context, limits);
        case 'getPeers': {
          const others = (await context.room.getEnrolledPeers()).filter((candidate) => candidate.id !== context.peer.id);
          return context.accept({ peers: await describePeers(others) });
        }
        case 'peerRequest':
          return peerRequest(data, context);
        case 'peerNotify':
          return peerNotify(data, context);
        default:
          throw new ProtooError(404, `unknown method "${method}"`);
      }
    },

    async onResponse(response, { room, request }) {
      if (request.state.replyTo) await room.answer(request.state.replyTo, response);
    },

    // The roster left behind is exactly the peers that knew this one.
    async onPeerClosed({ peerId, wasEnrolled }, { room, enrolledPeers }) {
      if (wasEnrolled) await room.notifyPeers(enrolledPeers, 'peerClosed', { peerId });
    },

    // Client notifications have no meaning in the relay; they are ignored.
    onNotification() {},
  };
}

/** The room relay with its default limits (100 peers, 1 KB of info each). */
export const roomRelay: RoomRelay = createRoomRelay();
