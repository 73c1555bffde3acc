/**
 * A complete protoo app on protoo-serverless: a chat room with names.
 * Deploy it with the construct's `entry` prop, or run it locally with
 * `PROTOO_APP=examples/chat.ts npm start`.
 */
import { ProtooError, createHandlers, type App } from '../lambda/index.js';

type ChatPeerData = { name?: string };

export const chat: App = {
  // protoo-server's 'connectionrequest': accept or reject with a code.
  onConnectionRequest({ peerId, query }, { accept, reject }) {
    if (query.token !== 'secret') return reject(401, 'bad token');
    accept({ name: peerId } satisfies ChatPeerData);
  },

  // protoo-server's peer 'request' event: accept, reject, or throw.
  async onRequest({ method, data }, { peer, room, accept, reject, defer }) {
    switch (method) {
      case 'setName': {
        if (typeof data.name !== 'string') return reject(400, 'name must be a string');
        await peer.setData({ name: data.name } satisfies ChatPeerData);
        return accept();
      }
      case 'say': {
        const { name } = await peer.getData<ChatPeerData>();
        const delivered = await room.notifyAll('said', { from: name, text: data.text }, { except: [peer.id] });
        return accept({ delivered });
      }
      case 'ping': {
        // A server → client request: the answer comes back in onResponse,
        // in another invocation, so hand it a way to reply to this request.
        const target = await room.getPeer(String(data.peerId));
        if (!target) throw new ProtooError(404, 'no such peer');
        await target.request('ping', {}, { context: { replyTo: defer() } });
        return;
      }
      default:
        throw new ProtooError(404, `unknown method ${method}`);
    }
  },

  async onResponse(response, { room, request }) {
    if (request.method === 'ping') await room.answer(request.context.replyTo as never, response);
  },

  async onPeerClosed({ peerId, data }, { room }) {
    await room.notifyAll('left', { peerId, name: (data as ChatPeerData).name });
  },
};

// `handler` is what the construct deploys (one function for every route and the sweep);
// the per-route handlers serve `functionPerRoute` and the local stack.
export const { handler, connect, disconnect, message, sweep } = createHandlers(chat);
