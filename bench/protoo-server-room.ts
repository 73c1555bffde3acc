/**
 * The room relay (lambda/apps/room-relay.ts) written for protoo-server
 * 4.0.8, the reference the benchmark compares against: the same URL
 * (`?roomId=…&peerId=…`), the same methods and answers — `join` (answers
 * the other joined peers, tells them `newPeer`), `getPeers`, `peerRequest`
 * (relayed to the target, its answer relayed back), `peerNotify` (to one
 * joined peer or every other one, answered with how many got it) — and
 * `peerClosed` to the joined peers when a joined peer goes. A peerId that
 * connects again replaces its old connection, as on the relay.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ProtooPeer {
  readonly id: string;
  readonly closed: boolean;
  readonly data: { joined?: boolean; info?: object };
  close(): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'request', listener: (request: Message, accept: (data?: object) => void, reject: (code: number | Error, reason?: string) => void) => void): void;
  on(event: 'notification', listener: (notification: Message) => void): void;
  request(method: string, data?: object): Promise<object>;
  notify(method: string, data?: object): Promise<void>;
}
interface Message {
  method: string;
  data?: Record<string, any>;
}
interface ProtooRoom {
  readonly peers: ProtooPeer[];
  createPeer(peerId: string, transport: unknown): ProtooPeer;
  getPeer(peerId: string): ProtooPeer | undefined;
  close(): void;
}
interface ProtooServer {
  version: string;
  Room: new () => ProtooRoom;
  WebSocketServer: new (
    httpServer: Server,
    options?: object,
  ) => {
    on(event: 'connectionrequest', listener: (info: { request: { url?: string } }, accept: () => unknown, reject: (code?: number, reason?: string) => void) => void): void;
    stop(): void;
  };
}

const RESERVED = new Set(['newPeer', 'peerClosed', 'peerReplaced']);

class ProtooError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RunningProtooServer {
  url: string;
  version: string;
  stop(): Promise<void>;
}

export async function startProtooServerRoom(host = '127.0.0.1'): Promise<RunningProtooServer> {
  const protoo = require('protoo-server') as ProtooServer;
  const rooms = new Map<string, ProtooRoom>();
  const joinedPeers = (room: ProtooRoom, except?: ProtooPeer) => room.peers.filter((peer) => peer.data.joined && peer !== except && !peer.closed);
  const describe = (peers: ProtooPeer[]) => peers.map((peer) => ({ id: peer.id, data: peer.data.info ?? {} }));

  async function onRequest(room: ProtooRoom, peer: ProtooPeer, { method, data = {} }: Message): Promise<object | undefined> {
    switch (method) {
      case 'join': {
        if (peer.data.joined) throw new ProtooError(409, 'already joined');
        const info = data.data ?? {};
        const others = joinedPeers(room, peer);
        peer.data.info = info;
        peer.data.joined = true;
        // Answer first, then tell the others, as the relay does.
        setImmediate(() => {
          for (const other of others) other.notify('newPeer', { id: peer.id, data: info }).catch(() => {});
        });
        return { peers: describe(others) };
      }
      case 'getPeers':
        return { peers: describe(joinedPeers(room, peer)) };
      case 'peerRequest':
      case 'peerNotify': {
        if (!peer.data.joined) throw new ProtooError(403, 'join the room first');
        const { peerId, method: relayed } = data;
        if (typeof relayed !== 'string' || relayed.length === 0) throw new ProtooError(400, `${method} needs a string method`);
        const payload = { from: peer.id, data: data.data ?? {} };
        if (method === 'peerNotify' && peerId === undefined) {
          if (RESERVED.has(relayed)) throw new ProtooError(400, `"${relayed}" is reserved for the server`);
          const others = joinedPeers(room, peer);
          await Promise.all(others.map((other) => other.notify(relayed, payload)));
          return { delivered: others.length };
        }
        const target = room.getPeer(String(peerId));
        if (!target?.data.joined) throw new ProtooError(404, `peer "${peerId}" is not in the room`);
        if (method === 'peerRequest') return target.request(relayed, payload);
        await target.notify(relayed, payload);
        return { delivered: 1 };
      }
      default:
        throw new ProtooError(404, `unknown method "${method}"`);
    }
  }

  const http = createServer();
  const server = new protoo.WebSocketServer(http, { maxReceivedFrameSize: 32 * 1024, maxReceivedMessageSize: 128 * 1024 });
  server.on('connectionrequest', (info, accept, reject) => {
    const query = new URL(info.request.url ?? '/', 'http://localhost').searchParams;
    const roomId = query.get('roomId');
    const peerId = query.get('peerId');
    if (!roomId || !peerId) return reject(400, 'roomId and peerId are required');
    let room = rooms.get(roomId);
    if (!room) rooms.set(roomId, (room = new protoo.Room()));
    room.getPeer(peerId)?.close();
    const peer = room.createPeer(peerId, accept());
    peer.on('request', (request, answer, refuse) => {
      onRequest(room, peer, request).then(
        (result) => answer(result),
        (error: unknown) => (error instanceof ProtooError ? refuse(error.code, error.message) : refuse(error as Error)),
      );
    });
    peer.on('notification', () => {});
    peer.on('close', () => {
      if (peer.data.joined) for (const other of joinedPeers(room, peer)) other.notify('peerClosed', { peerId }).catch(() => {});
      if (room.peers.length === 0) {
        room.close();
        rooms.delete(roomId);
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  return {
    url: `ws://${host}:${(http.address() as AddressInfo).port}/`,
    version: protoo.version,
    async stop() {
      for (const room of rooms.values()) room.close();
      server.stop();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
