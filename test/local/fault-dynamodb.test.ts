/**
 * The local stack, with the same handlers, while its DynamoDB endpoint
 * accepts TCP but never answers: a protoo client's request is answered 503
 * within the deadline (INVOCATION_DEADLINE_MS), and once the endpoint is
 * healthy the connection and the other peers work as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table.js';
import { startFaultyDynamo, type FaultyDynamo } from '../support/fault-dynamodb.js';
import { openPeer, rejection, type TestPeer } from '../integration/support/protoo.js';

const DEADLINE_MS = 1_500;

let table: DynaliteTable;
let dynamo: FaultyDynamo;
let stack: LocalStack;
const peers: TestPeer[] = [];

beforeAll(async () => {
  table = await startDynaliteTable();
  dynamo = await startFaultyDynamo(table.endpoint);
  stack = await startLocalStack({
    handlers: 'lambda/entry.ts',
    tableName: table.tableName,
    dynamodb: { endpoint: dynamo.endpoint },
    logLevel: 'error',
    env: { LOG_LEVEL: 'silent', INVOCATION_DEADLINE_MS: String(DEADLINE_MS) },
  });
});

afterAll(async () => {
  for (const peer of peers) peer.close();
  await stack?.stop();
  await dynamo?.close();
  await table?.close();
});

async function joined(roomId: string, peerId: string): Promise<TestPeer> {
  const peer = await openPeer(stack.url, roomId, peerId);
  peers.push(peer);
  await peer.peer.request('join', { data: { name: peerId } });
  return peer;
}

describe('a DynamoDB that never answers, behind the local stack', () => {
  it('answers a request 503 within the deadline; the connection stays usable and the others keep working', async () => {
    const alice = await joined('fault-room', 'alice');
    const bob = await joined('fault-room', 'bob');

    dynamo.fault = 'silent';
    const started = Date.now();
    const error = await rejection(bob.peer.request('getPeers'));
    const elapsed = Date.now() - started;
    expect(error.code).toBe(503);
    expect(error.message).toMatch(/try again \(id [0-9a-f]{12}\)/);
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 1_500);
    expect(dynamo.faulted).toBeGreaterThan(0);

    dynamo.fault = 'pass';
    const { peers: seen } = (await bob.peer.request('getPeers')) as { peers: { id: string }[] };
    expect(seen.map((peer) => peer.id)).toEqual(['alice']);
    await alice.peer.request('peerNotify', { peerId: 'bob', method: 'hello', data: { n: 1 } });
    expect((await bob.notification('hello')).data).toMatchObject({ from: 'alice', data: { n: 1 } });
  });
});
