import { ProtooError, StaleDataError } from '../app/errors.js';
import type { App, ReplyHandle } from '../app/types.js';
import { join } from './room-relay/join.js';
import { DEFAULT_LIMITS, validateLimits, type RoomRelayLimits } from './room-relay/limits.js';
import { describePeers } from './room-relay/peer-info.js';
import { peerNotify, peerRequest } from './room-relay/relay.js';

export { DEFAULT_LIMITS, limitsFromEnv, type RoomRelayLimits } from './room-relay/limits.js';
export { RESERVED_NOTIFICATIONS } from './room-relay/relay.js';

/**
 * The default app: a room where peers join with public info and relay
 * requests and notifications to each other — the signaling of a WebRTC
 * mesh app. "Joined" means enrolled on the room's roster (Room.enroll),
 * so peers joining at the same moment still meet exactly once, and the
 * roster's capacity keeps every peer list inside one message.
 */
export function createRoomRelay(limits: RoomRelayLimits = DEFAULT_LIMITS): App {
  validateLimits(limits);
  return {
    async onRequest({ method, data }, context) {
      try {
        switch (method) {
          case 'join':
            return await join(data, context, limits);
          case 'getPeers': {
            const others = (await context.room.getEnrolledPeers()).filter((candidate) => candidate.id !== context.peer.id);
            return await context.accept({ peers: await describePeers(others) });
          }
          case 'peerRequest':
            return await peerRequest(data, context);
          case 'peerNotify':
            return await peerNotify(data, context);
          default:
            throw new ProtooError(404, `unknown method "${method}"`);
        }
      } catch (error) {
        // Someone else wrote this peer first: a concurrent join.
        if (error instanceof StaleDataError) throw new ProtooError(409, error.message);
        throw error;
      }
    },

    async onResponse(response, { room, request }) {
      const replyTo = request.context.replyTo as ReplyHandle | undefined;
      if (replyTo) await room.answer(replyTo, response);
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
export const roomRelay: App = createRoomRelay();
