/**
 * Issue 7 §4: one stuck connection never stalls anyone else. A room of 10
 * on the local stack (dynalite): 9 real protoo-clients and one peer that
 * joins and then never reads its socket again. The others keep
 * broadcasting large notifications: every broadcast is answered within a
 * few seconds and reaches every other peer — before, once ~4 MB had backed
 * up toward the stuck peer, each broadcast waited for the 29 s timeout.
 *
 * The stuck peer itself is not dropped (docs/local-stack.md, Backpressure):
 * API Gateway answers a post to a full client 429 and keeps the connection
 * (the emulator's default `onOverflow: 'reject'`), and the runtime counts a
 * 429 as not delivered, not Gone — so at the end it is still connected and
 * joined, and nobody was told it left.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { startTestEngine } from './support/engines.js';
import { freshRoom, openPeer, within, type TestPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';

let engine: RunningEngine | undefined;
beforeAll(async () => {
  engine = await startTestEngine('dynalite');
});
afterAll(async () => {
  await engine?.stop();
});

/** Each answer must come well before protoo-client's or the integration timeout. */
const ANSWER_WITHIN_MS = 4_000;
const BLOB = 'x'.repeat(60 * 1024);

/** A raw protoo peer that joins, then stops reading its socket for good. */
async function joinAndStopReading(url: string, roomId: string, peerId: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url}?roomId=${roomId}&peerId=${peerId}`, 'protoo');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const joined = new Promise<any>((resolve) =>
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.response && message.id === 1) resolve(message);
    }),
  );
  ws.send(JSON.stringify({ request: true, id: 1, method: 'join', data: { data: { stuck: true } } }));
  expect((await within(joined, 5_000, 'join answer')).ok).toBe(true);
  (ws as any)._socket.pause();
  return ws;
}

describe('a peer that never reads, in a room of 10', () => {
  const handle = useStack(() => engine!, { env: { LOG_LEVEL: 'silent' } });

  it('broadcasts keep being answered within seconds and reach every other peer; requests to the stuck peer are answered too', async () => {
    const { stack } = handle();
    const roomId = freshRoom('stuck');
    const before = new Set(stack.connectionIds());
    const stuck = await joinAndStopReading(stack.url, roomId, 'stuck');
    const [stuckConnectionId] = stack.connectionIds().filter((id) => !before.has(id));
    const peers: TestPeer[] = [];
    for (let i = 0; i < 9; i++) {
      const peer = await openPeer(stack.url, roomId, `p${i}`);
      await peer.peer.request('join', { data: {} });
      peers.push(peer);
    }

    // Rounds of 9 concurrent broadcasts of 60 KB (~540 KB a round toward the stuck peer)
    // until the stuck peer's buffers are full (the OS's, a few MB, then the gateway's 1 MiB)
    // and its posts fail, then 3 rounds more.
    const delivered: number[] = [];
    let slowest = 0;
    let rounds = 0;
    for (let afterFull = 0; afterFull < 3; rounds++) {
      if (rounds === 40) throw new Error('the stuck peer never filled up: every broadcast still counted it');
      const round = rounds;
      await Promise.all(
        peers.map(async (peer) => {
          const started = Date.now();
          const answer = await within(peer.peer.request('peerNotify', { method: 'chat', data: { round, blob: BLOB } }), ANSWER_WITHIN_MS, `${peer.peerId} round ${round}`);
          slowest = Math.max(slowest, Date.now() - started);
          delivered.push(answer.delivered);
        }),
      );
      if (delivered.includes(8)) afterFull++;
    }

    // Every broadcast reached the 8 other readers; the stuck peer, once full, did not count.
    expect(Math.min(...delivered)).toBeGreaterThanOrEqual(8);
    expect(slowest).toBeLessThan(ANSWER_WITHIN_MS);
    for (const peer of peers) {
      await peer.until(() => peer.notifications.filter((n) => n.method === 'chat').length === 8 * rounds, 10_000, `${8 * rounds} chats`);
      const fromOthers = peer.notifications.filter((n) => n.method === 'chat').map((n) => `${n.data.from}#${n.data.data.round}`);
      expect(new Set(fromOthers).size).toBe(8 * rounds);
      expect(fromOthers.some((key) => key.startsWith(`${peer.peerId}#`))).toBe(false);
    }

    // A relayed request or a targeted notification to the stuck peer answers its caller promptly too.
    const [caller, other] = peers;
    const started = Date.now();
    const relayed = await within(caller.peer.request('peerRequest', { peerId: 'stuck', method: 'hello', data: { blob: BLOB } }).catch((error) => error), ANSWER_WITHIN_MS, 'peerRequest to the stuck peer');
    const notified = await within(caller.peer.request('peerNotify', { peerId: 'stuck', method: 'hi', data: { blob: BLOB } }).catch((error) => error), ANSWER_WITHIN_MS, 'peerNotify to the stuck peer');
    expect(Date.now() - started).toBeLessThan(2 * ANSWER_WITHIN_MS);
    // Its buffer is full: the request fails at once as not delivered, the notification counts 0.
    expect(relayed).toMatchObject({ code: 504, message: expect.stringMatching(/peer unreachable/) });
    expect(notified).toEqual({ delivered: 0 });
    // ...while the room goes on working.
    other.onRequest = (_request, accept) => accept({ pong: true });
    expect(await within(caller.peer.request('peerRequest', { peerId: other.peerId, method: 'ping' }), ANSWER_WITHIN_MS)).toEqual({ pong: true });


    // The stuck peer was never treated as Gone: still connected, still joined, nobody heard peerClosed.
    await stack.settled();
    expect(stuck.readyState).toBe(WebSocket.OPEN);
    expect(stack.connectionIds()).toContain(stuckConnectionId);
    const { peers: seen } = await within(other.peer.request('getPeers'), ANSWER_WITHIN_MS, 'getPeers');
    expect(seen.map((peer: { id: string }) => peer.id)).toContain('stuck');
    for (const peer of peers) expect(peer.notifications.filter((n) => n.method === 'peerClosed')).toEqual([]);

    stuck.terminate();
    for (const peer of peers) peer.close();
  });
});
