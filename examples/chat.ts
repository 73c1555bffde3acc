/**
 * A complete protoo app on protoo-serverless: a chat room with names.
 * Deploy it with the construct's `entry` prop, or run it locally with
 * `PROTOO_APP=examples/chat.ts npm start`.
 */
import { ProtooError, createHandlers, type App, type ReplyHandle } from '../lambda/index.js';

/** Every peer's data; and what a server → client ping carries to its answer. */
type ChatPeerData = { name?: string };
type ChatRequestState = { replyTo: ReplyHandle };

export const chat: App<ChatPeerData, ChatRequestState> = {
  // protoo-server's 'connectionrequest': accept or reject with a code.
  // With join tokens (the deployed default) roomId and peerId are already
  // verified; the token's app claims can carry a display name and a role.
  onConnectionRequest({ peerId, claims }, { accept, reject }) {
    if (claims.role === 'banned') return reject(403, 'banned from this room');
    accept({ name: typeof claims.name === 'string' ? claims.name : peerId });
  },

  // protoo-server's peer 'request' event: accept, reject, or throw.
  async onRequest({ method, data }, { peer, room, accept, reject, defer }) {
    switch (method) {
      case 'setName': {
        if (typeof data.name !== 'string') return reject(400, 'name must be a string');
        await peer.setData({ name: data.name });
        return accept();
      }
      case 'say': {
        const { name } = await peer.getData();
        const delivered = await room.notifyAll('said', { from: name, text: data.text }, { except: [peer.id] });
        return accept({ delivered });
      }
      case 'ping': {
        // A server → client request: the answer comes back in onResponse,
        // in another invocation, so hand it a way to reply to this request.
        const target = await room.getPeer(String(data.peerId));
        if (!target) throw new ProtooError(404, 'no such peer');
        await target.request('ping', {}, { state: { replyTo: defer() } });
        return;
      }
      default:
        throw new ProtooError(404, `unknown method ${method}`);
    }
  },

  async onResponse(response, { room, request }) {
    if (request.method === 'ping') await room.answer(request.state.replyTo, response);
  },

  async onPeerClosed({ peerId, data }, { room }) {
    await room.notifyAll('left', { peerId, name: data.name });
  },
};

// `handler` is what the construct deploys (one function for every route and the sweep);
// the per-route handlers serve `functionPerRoute` and the local stack.
export const { handler, connect, disconnect, message, sweep } = createHandlers(chat);
