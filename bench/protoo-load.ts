/**
 * The load: real protoo-client 4 peers (as a browser app uses them), the
 * same for every server. Each scenario returns one figure per run; the
 * caller alternates servers between runs.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { percentile } from './stats.js';

const require = createRequire(import.meta.url);
const protooClient = require('protoo-client') as {
  version: string;
  Peer: new (transport: unknown) => ClientPeer;
  WebSocketTransport: new (url: string, options?: { retry?: { retries: number } }) => unknown;
};
export const protooClientVersion = protooClient.version;

interface ClientPeer extends EventEmitter {
  close(): void;
  request(method: string, data?: unknown): Promise<any>;
}

export interface Client {
  peerId: string;
  peer: ClientPeer;
  /** Called with each notification's method and data. */
  onNotification?: (method: string, data: any) => void;
}

export async function openClient(url: string, roomId: string, peerId: string): Promise<Client> {
  const peer = new protooClient.Peer(new protooClient.WebSocketTransport(`${url}?roomId=${roomId}&peerId=${peerId}`, { retry: { retries: 0 } }));
  const client: Client = { peerId, peer };
  peer.on('notification', (n: { method: string; data: any }) => client.onNotification?.(n.method, n.data));
  // Relayed requests (peerRequest) are accepted with a small answer.
  peer.on('request', (_request: unknown, accept: (data: object) => void) => accept({ ok: 1 }));
  peer.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${peerId}: no 'open' within 30 s`)), 30_000);
    peer.once('open', () => (clearTimeout(timer), resolve()));
    peer.once('failed', () => (clearTimeout(timer), reject(new Error(`${peerId}: connection failed`))));
  });
  return client;
}

/** Connects and joins peers one after another; resolves with the clients and the milliseconds it took. */
export async function joinPeers(url: string, roomId: string, from: number, to: number): Promise<{ clients: Client[]; ms: number }> {
  const clients: Client[] = [];
  const started = performance.now();
  for (let i = from; i < to; i++) {
    const client = await openClient(url, roomId, `p${i}`);
    await client.peer.request('join', { data: { n: `p${i}` } });
    clients.push(client);
  }
  return { clients, ms: performance.now() - started };
}

export interface RequestFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** `clients.length` clients each send `perClient` getPeers, one at a time, all at once. */
export async function requests(clients: Client[], perClient: number): Promise<RequestFigures> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < perClient; i++) {
        const sent = performance.now();
        await client.peer.request('getPeers');
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { requestsPerSecond: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** `times` peerRequests from `from` to `to`, one after another: milliseconds per relayed request and answer. */
export async function relay(from: Client, to: Client, times: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < times; i++) await from.peer.request('peerRequest', { peerId: to.peerId, method: 'offer', data: { sdp: 'v=0' } });
  return (performance.now() - started) / times;
}

let broadcastSeq = 0;

/**
 * One peerNotify to every other joined peer: milliseconds from the request
 * until every other peer has the notification (and the sender its answer).
 */
export async function broadcast(sender: Client, others: Client[]): Promise<number> {
  const seq = ++broadcastSeq;
  let pending = others.length;
  let done!: () => void;
  const everyone = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), 60_000);
  for (const other of others) {
    other.onNotification = (method, data) => {
      if (method === 'bench' && data?.data?.seq === seq && --pending === 0) done();
    };
  }
  const started = performance.now();
  const answered = sender.peer.request('peerNotify', { method: 'bench', data: { seq } });
  await Promise.all([everyone, answered]);
  const ms = performance.now() - started;
  clearTimeout(timer);
  for (const other of others) other.onNotification = undefined;
  if (pending > 0) throw new Error(`broadcast ${seq}: ${pending} of ${others.length} peers got nothing within 60 s`);
  return ms;
}

export function closeAll(clients: Client[]): void {
  for (const client of clients) {
    try {
      client.peer.close();
    } catch {
      // already gone with its server
    }
  }
}
