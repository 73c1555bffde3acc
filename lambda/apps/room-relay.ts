import { ProtooError, StaleDataError } from '../app/errors.js';
import type { App, AppData, Peer, ReplyHandle, RequestContext } from '../app/types.js';
import { isPlainObject } from '../protocol/parse-message.js';

/**
 * The default app: a room where peers join with public info and relay
 * requests and notifications to each other — the signaling of a WebRTC
 * mesh app. "Joined" means enrolled on the room's roster (Room.enroll),
 * so peers joining at the same moment still meet exactly once. Peer data:
 * `{ joined: true, info }` once joined.
 */
export const MAX_PEER_INFO_BYTES = 16 * 1024;

/** Notifications the server itself sends: a peer may not forge them. */
export const RESERVED_NOTIFICATIONS = new Set(['newPeer', 'peerClosed', 'peerReplaced']);

interface RelayPeerData extends AppData {
  joined?: boolean;
  info?: AppData;
}

export const roomRelay: App = {
  async onRequest({ method, data }, context) {
    try {
      switch (method) {
        case 'join':
          return await join(data, context);
        case 'getPeers':
          return await context.accept({ peers: await describe(await othersOnRoster(context)) });
        case 'peerRequest':
          return await peerRequest(data, context);
        case 'peerNotify':
          return await peerNotify(data, context);
        default:
          throw new ProtooError(404, `unknown method "${method}"`);
      }
    } catch (error) {
      // Someone else wrote this peer first: a concurrent join or a replacement.
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

async function join(data: AppData, { peer, room, accept }: RequestContext): Promise<void> {
  const info = data.data === undefined ? {} : data.data;
  if (!isPlainObject(info)) throw new ProtooError(400, 'data.data must be an object');
  if (Buffer.byteLength(JSON.stringify(info)) > MAX_PEER_INFO_BYTES) {
    throw new ProtooError(413, `peer info exceeds ${MAX_PEER_INFO_BYTES} bytes`);
  }
  if ((await peer.getData<RelayPeerData>()).joined && (await isEnrolled(peer, room))) throw new ProtooError(409, 'already joined');

  // Info first, roster second: whoever sees this peer on the roster can read its info.
  await peer.setData({ joined: true, info });
  const earlier = await room.enroll(peer);
  await accept({ peers: await describe(earlier) });
  await room.notifyPeers(earlier, 'newPeer', { id: peer.id, data: info });
}

async function peerRequest(data: AppData, { peer, room, defer }: RequestContext): Promise<void> {
  const { peerId, method } = data;
  if (typeof peerId !== 'string' || typeof method !== 'string' || method.length === 0) {
    throw new ProtooError(400, 'peerRequest needs string peerId and method');
  }
  if (data.data !== undefined && !isPlainObject(data.data)) throw new ProtooError(400, 'data.data must be an object');

  const target = await room.getPeer(peerId);
  if (!target) throw new ProtooError(404, `peer "${peerId}" is not in the room`);
  // The target's answer arrives in another invocation, through onResponse.
  const replyTo = defer();
  await target.request(method, { from: peer.id, data: data.data ?? {} }, { context: { replyTo } });
}

async function peerNotify(data: AppData, context: RequestContext): Promise<void> {
  const { peer, room, accept } = context;
  const { peerId, method } = data;
  if ((peerId !== undefined && typeof peerId !== 'string') || typeof method !== 'string' || method.length === 0) {
    throw new ProtooError(400, 'peerNotify needs a string method and an optional string peerId');
  }
  if (RESERVED_NOTIFICATIONS.has(method)) throw new ProtooError(400, `"${method}" is reserved for the server`);
  if (data.data !== undefined && !isPlainObject(data.data)) throw new ProtooError(400, 'data.data must be an object');

  const payload = { from: peer.id, data: data.data ?? {} };
  if (peerId === undefined) {
    return accept({ delivered: await room.notifyPeers(await othersOnRoster(context), method, payload) });
  }
  const target = await room.getPeer(peerId);
  if (!target) throw new ProtooError(404, `peer "${peerId}" is not in the room`);
  return accept({ delivered: (await target.notify(method, payload)) ? 1 : 0 });
}

async function othersOnRoster({ peer, room }: RequestContext): Promise<Peer[]> {
  return (await room.getEnrolledPeers()).filter((candidate) => candidate.id !== peer.id);
}

/** Joined in its data but not on the roster: an earlier join failed half way and may be retried. */
async function isEnrolled(peer: Peer, room: RequestContext['room']): Promise<boolean> {
  return (await room.getEnrolledPeers()).some((candidate) => candidate.id === peer.id && candidate.connectionId === peer.connectionId);
}

async function describe(peers: Peer[]): Promise<{ id: string; data: AppData }[]> {
  return Promise.all(peers.map(async (candidate) => ({ id: candidate.id, data: (await candidate.getData<RelayPeerData>()).info ?? {} })));
}
