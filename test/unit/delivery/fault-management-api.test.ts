/**
 * A Management API that answers 429, 500 or nothing for one client, with
 * the same handlers and the real client (delivery/management-client.ts)
 * against a loopback server: a broadcast retries the post within bounds,
 * counts it as not delivered (not Gone), and the live peer stays in the room.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHandlers } from '../../../lambda/create-handlers.js';
import { managementClientFor } from '../../../lambda/delivery/management-client.js';
import { startDynaliteTable, type DynaliteTable } from '../../support/dynalite-table.js';
import { connectEvent, messageEvent } from '../support/harness.js';

type Fault = 'ok' | 'http-429' | 'http-500' | 'silent';

let table: DynaliteTable;
let server: Server;
let endpoint: string;
/** How the API answers posts to each connection (default ok), and what it received. */
const faults = new Map<string, Fault>();
const attempts = new Map<string, number>();
const received = new Map<string, any[]>();

function apiError(res: ServerResponse, status: number, type: string): void {
  const body = JSON.stringify({ message: type });
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

beforeAll(async () => {
  table = await startDynaliteTable();
  server = createServer((req, res) => {
    const connectionId = decodeURIComponent(req.url!.split('/').pop()!);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fault = faults.get(connectionId) ?? 'ok';
      if (fault === 'ok') {
        if (req.method === 'POST') received.set(connectionId, [...(received.get(connectionId) ?? []), JSON.parse(Buffer.concat(chunks).toString())]);
        return res.writeHead(200).end();
      }
      attempts.set(connectionId, (attempts.get(connectionId) ?? 0) + 1);
      if (fault === 'http-429') return apiError(res, 429, 'LimitExceededException');
      if (fault === 'http-500') return apiError(res, 500, 'InternalServerErrorException');
      // silent: never answers; the client's timeout ends the attempt.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await table.close();
});

function handlersFor() {
  const env = { TABLE_NAME: table.tableName, MANAGEMENT_API_ENDPOINT: endpoint, LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1' };
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
  return createHandlers(roomRelay, {
    env,
    documentClient: table.documentClient,
    // The real client, with a short post timeout so that silence costs 2 × 300 ms here.
    managementClient: (url) => managementClientFor(url, { POST_TIMEOUT_MS: '300' }),
  });
}

const answerTo = (connectionId: string, id: number) => received.get(connectionId)?.find((message) => message.response && message.id === id);

describe('a Management API failing for one live client, during a broadcast', () => {
  it.each<[Fault]>([['http-429'], ['http-500'], ['silent']])('%s: retried once, counted as not delivered, and the peer stays in the room', async (fault) => {
    const handlers = handlersFor();
    const roomId = `room-${fault}`;
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((peerId) => `${roomId}-${peerId}`);
    for (const [connectionId, peerId] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']]) {
      expect((await handlers.connect(connectEvent(connectionId, { roomId, peerId }))).statusCode).toBe(200);
      await handlers.message(messageEvent(connectionId, { request: true, id: 1, method: 'join', data: { data: {} } }));
      expect(answerTo(connectionId, 1)).toMatchObject({ ok: true });
    }

    faults.set(bob, fault);
    const started = Date.now();
    await handlers.message(messageEvent(alice, { request: true, id: 2, method: 'peerNotify', data: { method: 'hi' } }));
    // Bob's post failed after 2 attempts, within its bound; carol's got through.
    expect(answerTo(alice, 2)).toMatchObject({ ok: true, data: { delivered: 1 } });
    expect(attempts.get(bob)).toBe(2);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(received.get(carol)).toContainEqual(expect.objectContaining({ notification: true, method: 'hi', data: expect.objectContaining({ from: 'alice' }) }));

    // Not Gone: bob is still joined, and reachable once the API recovers.
    faults.delete(bob);
    await handlers.message(messageEvent(carol, { request: true, id: 3, method: 'getPeers' }));
    expect(answerTo(carol, 3).data.peers.map((peer: { id: string }) => peer.id).sort()).toEqual(['alice', 'bob']);
    await handlers.message(messageEvent(alice, { request: true, id: 4, method: 'peerNotify', data: { peerId: 'bob', method: 'again' } }));
    expect(answerTo(alice, 4)).toMatchObject({ ok: true, data: { delivered: 1 } });
    expect(received.get(bob)).toContainEqual(expect.objectContaining({ notification: true, method: 'again', data: expect.objectContaining({ from: 'alice' }) }));
  });
});
