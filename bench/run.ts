/**
 * npm run bench: what each protoo message costs in AWS calls (the number
 * that drives latency and the bill), and how long the handler takes on
 * this machine. Real SDK clients against embedded dynalite and a loopback
 * Management API sink; counts come from SDK middleware, so they are exact.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { roomRelay } from '../lambda/apps/room-relay.js';
import { createHandlers } from '../lambda/create-handlers.js';
import { createLogger } from '../lambda/log.js';
import type { WebSocketEvent } from '../lambda/runtime/events.js';
import { createTableInput } from '../lambda/store/table-schema.js';

const ROOM_SIZE = Number(process.env.BENCH_ROOM_SIZE ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

const calls = new Map<string, number>();
function counting<T extends { middlewareStack: { add: Function } }>(client: T, service: string): T {
  client.middlewareStack.add(
    (next: any, context: any) => (args: any) => {
      const key = `${service}.${String(context.commandName).replace(/Command$/, '')}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  return client;
}

async function main() {
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'local', credentials });
  await raw.send(new CreateTableCommand(createTableInput('bench')));
  const documentClient = counting(DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }), 'DynamoDB');

  // The Management API sink answers every post; the counts are what matter.
  const sink = createServer((request, response) => request.resume().on('end', () => response.writeHead(200).end()));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const management = counting(
    new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/bench`, region: 'local', credentials }),
    'ManagementApi',
  );

  // On AWS each route is its own function with its own warm caches: three
  // separate instances, so the identity cache of $connect helps nobody else.
  const instance = () =>
    createHandlers(roomRelay, { env: { TABLE_NAME: 'bench' }, documentClient, managementClient: () => management, logger: createLogger('silent') });
  const handlers = { connect: instance().connect, message: instance().message, disconnect: instance().disconnect };
  const context = { domainName: '127.0.0.1', stage: 'bench' };
  const connect = (i: number): WebSocketEvent => ({
    requestContext: { routeKey: '$connect', connectionId: `c${i}`, ...context },
    headers: { 'Sec-WebSocket-Protocol': 'protoo' },
    queryStringParameters: { roomId: 'bench', peerId: `p${i}` },
  });
  const send = (i: number, body: object): WebSocketEvent => ({
    requestContext: { routeKey: '$default', connectionId: `c${i}`, ...context },
    body: JSON.stringify(body),
  });

  const rows: { scenario: string; perMessage: string; ms: string }[] = [];
  async function measure(scenario: string, times: number, run: (round: number) => Promise<unknown>) {
    calls.clear();
    const started = performance.now();
    for (let round = 0; round < times; round++) await run(round);
    const ms = (performance.now() - started) / times;
    const perMessage = [...calls].map(([key, count]) => `${key} ×${+(count / times).toFixed(2)}`).join(', ') || 'none';
    rows.push({ scenario, perMessage, ms: ms.toFixed(2) });
  }

  await measure(`$connect (room of ${ROOM_SIZE})`, ROOM_SIZE, (i) => handlers.connect(connect(i)));
  await measure('join (first message: + identity GetItem)', ROOM_SIZE, (i) => handlers.message(send(i, { request: true, id: 1, method: 'join', data: { data: { name: `peer ${i}` } } })));
  await measure('getPeers (warm)', ROUNDS, () => handlers.message(send(0, { request: true, id: 2, method: 'getPeers' })));
  await measure('peerNotify one peer', ROUNDS, () => handlers.message(send(0, { request: true, id: 3, method: 'peerNotify', data: { peerId: 'p1', method: 'm' } })));
  await measure(`peerNotify all (${ROOM_SIZE - 1} others)`, ROUNDS, () => handlers.message(send(0, { request: true, id: 4, method: 'peerNotify', data: { method: 'm' } })));

  // peerRequest then the target's answer: read the relayed request id from the pending item.
  const pendingIds: number[] = [];
  await measure('peerRequest (origin → target)', ROUNDS, async () => {
    await handlers.message(send(0, { request: true, id: 5, method: 'peerRequest', data: { peerId: 'p1', method: 'offer' } }));
  });
  const pending = await DynamoDBDocumentClient.from(raw).send(
    new QueryCommand({ TableName: 'bench', KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': 'ROOM#bench', ':p': 'REQ#c1#' } }),
  );
  for (const item of pending.Items ?? []) pendingIds.push(Number(item.requestId));
  await measure('target answers the peerRequest', pendingIds.length, (round) =>
    handlers.message(send(1, { response: true, id: pendingIds[round], ok: true, data: {} })),
  );
  await measure('junk frame', ROUNDS, () => handlers.message(send(0, [1, 2, 3])));
  await measure(`$disconnect of a joined peer (room of ${ROOM_SIZE})`, 1, () =>
    handlers.disconnect({ requestContext: { routeKey: '$disconnect', connectionId: `c${ROOM_SIZE - 1}`, ...context } }),
  );

  console.log(`AWS calls per message (room-relay, ${ROOM_SIZE} peers; one handler instance per route as on AWS; ms = handler time on this machine with dynalite)\n`);
  console.table(rows);
  raw.destroy();
  management.destroy();
  await Promise.all([new Promise((resolve) => dynamo.close(resolve)), new Promise((resolve) => sink.close(resolve))]);
}

await main();
