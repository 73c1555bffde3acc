/**
 * Issue 8 §2: a shared peerId never turns into a reconnect storm. API
 * Gateway cannot close with protoo's 4000, so a replaced protoo-client
 * always reconnects; two unmodified clients with one peerId (two tabs)
 * used to replace each other ~80 times a second. On the local stack
 * (dynalite), with the server's default backoff and protoo-client's
 * default retry options, the pair settles; a lone client is not slowed.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { startTestEngine } from './support/engines.js';
import { freshRoom, once, sleep, within, type ProtooPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';

const require = createRequire(import.meta.url);
const protooClient = require('protoo-client') as {
  Peer: new (transport: unknown) => ProtooPeer;
  WebSocketTransport: new (url: string, options?: object) => EventEmitter;
};

let engine: RunningEngine | undefined;
beforeAll(async () => {
  engine = await startTestEngine('dynalite');
});
afterAll(async () => {
  await engine?.stop();
});

/** An unmodified protoo-client: no options at all, so protoo-client's default retries (10, 1 s doubling to 8 s). */
function tab(url: string, name: string, t0: number) {
  const peer = new protooClient.Peer(new protooClient.WebSocketTransport(url));
  const opens: number[] = [];
  let refused = 0;
  peer.on('open', () => opens.push(Date.now() - t0));
  peer.on('failed', () => refused++);
  return {
    name,
    peer,
    opens,
    get refused() {
      return refused;
    },
  };
}

/** A raw protoo connection: the old connection of a client whose network changed — it never reconnects. */
async function rawConnection(url: string): Promise<{ ws: WebSocket; messages: any[]; closed: Promise<void> }> {
  const ws = new WebSocket(url, 'protoo');
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

/** The status and body of a handshake; 101 if it was accepted (then closed at once). */
function handshake(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'protoo');
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('one peerId, two clients', () => {
  const handle = useStack(() => engine!, { env: { LOG_LEVEL: 'silent' } });

  it('a lone client whose old connection still looks open replaces it at once, with no refusal', async () => {
    const url = `${handle().stack.url}?roomId=${freshRoom('lone')}&peerId=mover`;
    const old = await rawConnection(url);
    const t0 = Date.now();
    const moved = tab(url, 'moved', t0);
    await once(moved.peer, 'open', 5_000);
    expect(moved.refused).toBe(0);
    expect(moved.opens[0]).toBeLessThan(1_000);
    // The old connection is told and closed.
    await within(old.closed, 5_000, 'close of the replaced connection');
    expect(old.messages).toContainEqual({ notification: true, method: 'peerReplaced', data: { peerId: 'mover' } });
    expect(await within(moved.peer.request('join', { data: {} }), 5_000, 'join')).toEqual({ peers: [] });
    moved.peer.close();
  });

  it('while a replacement is protected a third connection gets 429 and changes nothing; once the window ends it is accepted', async () => {
    const roomId = freshRoom('contested');
    const url = `${handle().stack.url}?roomId=${roomId}&peerId=twin`;
    const old = await rawConnection(url);
    const holder = tab(url, 'holder', Date.now());
    await once(holder.peer, 'open', 5_000);
    await within(old.closed, 5_000, 'close of the replaced connection');

    const refused = await handshake(url);
    expect(refused).toEqual({ status: 429, body: expect.stringMatching(/contested/) });
    // The holder still owns the peerId: its requests work and it can join.
    expect(holder.peer.connected).toBe(true);
    expect(await within(holder.peer.request('join', { data: { who: 'holder' } }), 5_000, 'join')).toEqual({ peers: [] });

    // The default first window is 2 s; a newcomer gets through soon after it.
    const started = Date.now();
    let status = refused.status;
    while (status === 429 && Date.now() - started < 6_000) {
      await sleep(250);
      status = (await handshake(url)).status;
    }
    expect(status).toBe(101);
    holder.peer.close();
  });

  it(
    'two unmodified protoo-clients make at most 20 connection opens in 90 s and settle with one connection open',
    async () => {
      const roomId = freshRoom('tabs');
      const url = `${handle().stack.url}?roomId=${roomId}&peerId=shared`;
      const t0 = Date.now();
      const first = tab(url, 'first tab', t0);
      await once(first.peer, 'open', 5_000);
      const second = tab(url, 'second tab', t0);
      try {
        // The measurement is a span of time: both clients keep running for 90 s.
        await sleep(90_000 - (Date.now() - t0));
        const end = Date.now() - t0;
        const opens = [...first.opens, ...second.opens].sort((a, b) => a - b);
        console.info(
          `reconnect storm: ${opens.length} opens at ${opens.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s; ` +
            `refused handshakes: ${first.refused} + ${second.refused}`,
        );
        expect(opens.length).toBeLessThanOrEqual(20);
        expect(first.refused + second.refused).toBeGreaterThan(0);
        // Settled: exactly one connection open, and it has been for a while.
        expect([first.peer.connected, second.peer.connected].filter(Boolean)).toHaveLength(1);
        expect(end - opens.at(-1)!).toBeGreaterThan(20_000);
        const winner = first.peer.connected ? first : second;
        expect(await within(winner.peer.request('getPeers'), 5_000, 'getPeers')).toEqual({ peers: [] });
      } finally {
        first.peer.close();
        second.peer.close();
      }
    },
    120_000,
  );
});
