/**
 * npm run bench is not part of the suite; this only checks that its pieces
 * load and that one tiny scenario of each kind runs: the runtime with the
 * in-memory fakes (a room built, getPeers answered, the calls it made),
 * protoo-server's room app under protoo-client load, and the cost model.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../bench/baseline.js';
import { InMemoryDocumentClient, InMemoryManagementClient } from '../../bench/fake-clients.js';
import { costPerMillion } from '../../bench/pricing.js';
import { broadcast, closeAll, joinPeers, relay, requests, type Client } from '../../bench/protoo-load.js';
import { startProtooServerRoom, type RunningProtooServer } from '../../bench/protoo-server-room.js';
import { eventsFor, lambdaContext, loadFactory } from '../../bench/runtime-under-test.js';

describe('npm run bench, in miniature', () => {
  let server: RunningProtooServer | undefined;
  let clients: Client[] = [];
  afterAll(async () => {
    closeAll(clients);
    await server?.stop();
  });

  it('runs the room relay on the in-memory fakes: a room of 3, getPeers answered with the other two', async () => {
    process.env.TABLE_NAME ??= 'bench';
    const factory = await loadFactory(REPO_ROOT);
    const store = new InMemoryDocumentClient([]);
    const management = new InMemoryManagementClient();
    const handlers = factory({ documentClient: store, managementClient: () => management });
    const events = eventsFor('127.0.0.1:9', 'bench');
    for (let i = 0; i < 3; i++) {
      await handlers.connect(events.connect(i, 'room'), lambdaContext());
      expect(await handlers.message(events.message(i, { request: true, id: 1, method: 'join', data: { data: { n: i } } }), lambdaContext())).toMatchObject({ statusCode: 200 });
    }
    await handlers.message(events.message(0, { request: true, id: 2, method: 'getPeers' }), lambdaContext());
    const answer = JSON.parse(new TextDecoder().decode(management.lastSent.get('c0') as Uint8Array));
    expect(answer).toMatchObject({ response: true, id: 2, ok: true });
    expect(answer.data.peers.map((p: { id: string }) => p.id).sort()).toEqual(['p1', 'p2']);
    expect(management.calls.PostToConnection).toBeGreaterThan(0);
  });

  it("drives protoo-server's room app with protoo-client: joins, requests, a relay and a broadcast", async () => {
    server = await startProtooServerRoom();
    const joined = await joinPeers(server.url, 'smoke', 0, 3);
    clients = joined.clients;
    expect((await requests(clients, 2)).requestsPerSecond).toBeGreaterThan(0);
    expect(await relay(clients[0], clients[1], 2)).toBeGreaterThan(0);
    expect(await broadcast(clients[0], clients.slice(1))).toBeGreaterThan(0);
  });

  it('prices a message from its calls and durations', () => {
    const cost = costPerMillion({ cpuUs: 500, latencyWallMs: 30, posts: 1, inbound: true, rru: 1, wru: 0 });
    expect(cost.apiGateway).toBe(2);
    expect(cost.dynamodb).toBeCloseTo(0.125);
    expect(cost.lambdaMs).toBe(33);
    expect(cost.total).toBeCloseTo(cost.lambda + 2.125);
  });
});
