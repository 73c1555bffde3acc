import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_ALIVE_DYNAMODB_ACTIONS } from '../../infra/protoo-keep-alive.js';
import { DYNAMODB_ACTIONS, MANAGEMENT_API_METHODS } from '../../infra/protoo-websocket-api.js';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import { createHandlers } from '../../lambda/create-handlers.js';
import { bucketOf } from '../../lambda/keep-alive/buckets.js';
import { KEEP_ALIVE_INDEX } from '../../lambda/store/table-schema.js';
import { createLogger } from '../../lambda/log.js';
import type { WebSocketEvent } from '../../lambda/runtime/events.js';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table.js';

type Route = 'connect' | 'disconnect' | 'message' | 'sweep';
const credentials = { accessKeyId: 'iam', secretAccessKey: 'iam' };

// GIVEN the room-relay run through every path (joins, relays, replacement,
// Gone, disconnects, a keep-alive sweep that finds a peer Gone) with each
// handler's real SDK calls recorded
// WHEN the calls are compared with the construct's policies
// THEN every call a route makes is granted to that route's function.
let table: DynaliteTable;
let sink: Server;
const dead = new Set<string>();
const routes = (): Record<Route, Set<string>> => ({ connect: new Set(), disconnect: new Set(), message: new Set(), sweep: new Set() });
/** DynamoDB actions on the table, per handler. */
const used = routes();
/** Indexes queried, per handler. */
const indexes = routes();
const methods = routes();

function recording<T extends { middlewareStack: { add: Function } }>(client: T, record: (commandName: string, input: any) => void): T {
  client.middlewareStack.add((next: any, context: any) => (args: any) => {
    record(String(context.commandName).replace(/Command$/, ''), args.input);
    return next(args);
  }, { step: 'initialize' });
  return client;
}

function handlersFor(route: Route, endpoint: string) {
  // A client of its own per route: DocumentClients share their base client's middleware stack.
  const base = new DynamoDBClient({ endpoint: table.endpoint, region: 'local', credentials });
  const documentClient = recording(DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } }), (name, input) =>
    input?.IndexName ? indexes[route].add(`${input.IndexName}: dynamodb:${name}`) : used[route].add(`dynamodb:${name}`),
  );
  const management = recording(new ApiGatewayManagementApiClient({ endpoint, region: 'us-east-1', credentials }), (name) =>
    methods[route].add(name === 'PostToConnection' ? 'POST' : name === 'DeleteConnection' ? 'DELETE' : 'GET'),
  );
  // The sweep has no API Gateway event to take the endpoint from: the construct sets it.
  const env = { TABLE_NAME: table.tableName, MANAGEMENT_API_ENDPOINT: endpoint };
  return createHandlers(roomRelay, { env, documentClient, managementClient: () => management, logger: createLogger('silent') });
}

beforeAll(async () => {
  table = await startDynaliteTable('iam');
  // The Management API: Gone for the connections a scenario declared dead.
  sink = createServer((request, response) => {
    request.resume().on('end', () => {
      const id = decodeURIComponent(request.url!.split('/').pop()!);
      if (dead.has(id)) response.writeHead(410, { 'x-amzn-ErrorType': 'GoneException', 'content-type': 'application/json' }).end('{"message":"Gone"}');
      else response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await table.close();
  await new Promise((resolve) => sink.close(resolve));
});

describe('IAM policies cover what each route really calls', () => {
  it('grants every DynamoDB action and Management API method each route uses', async () => {
    const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/iam`;
    const connect = handlersFor('connect', endpoint).connect;
    const message = handlersFor('message', endpoint).message;
    const disconnect = handlersFor('disconnect', endpoint).disconnect;
    const sweep = handlersFor('sweep', endpoint).sweep;
    const context = { domainName: 'x', stage: 'iam' };
    const open = (connectionId: string, peerId: string) =>
      connect({ requestContext: { routeKey: '$connect', connectionId, ...context }, headers: { 'Sec-WebSocket-Protocol': 'protoo' }, queryStringParameters: { roomId: 'r', peerId } });
    const send = (connectionId: string, body: object): Promise<unknown> => message({ requestContext: { routeKey: '$default', connectionId, ...context }, body: JSON.stringify(body) } as WebSocketEvent);
    const close = (connectionId: string) => disconnect({ requestContext: { routeKey: '$disconnect', connectionId, ...context } });

    for (const [connectionId, peerId] of [['ca', 'a'], ['cb', 'b'], ['cc', 'c']]) await open(connectionId, peerId);
    for (const connectionId of ['ca', 'cb', 'cc']) await send(connectionId, { request: true, id: 1, method: 'join', data: {} });
    await send('ca', { request: true, id: 2, method: 'getPeers' });
    await send('ca', { request: true, id: 3, method: 'peerNotify', data: { method: 'hi' } });
    await send('ca', { request: true, id: 4, method: 'peerRequest', data: { peerId: 'b', method: 'offer' } });
    await close('cb'); // the target leaves with the request pending
    await open('ca2', 'a'); // a replaces its own joined connection
    dead.add('cc');
    await send('ca2', { request: true, id: 5, method: 'join', data: {} }); // greets c, found Gone
    await close('ca2');
    // d vanishes without a $disconnect while e waits on a request to it; the sweep's turn for d comes.
    for (const [connectionId, peerId] of [['cd', 'd'], ['ce', 'e']]) {
      await open(connectionId, peerId);
      await send(connectionId, { request: true, id: 1, method: 'join', data: {} });
    }
    await send('ce', { request: true, id: 2, method: 'peerRequest', data: { peerId: 'd', method: 'offer' } });
    dead.add('cd');
    const swept = await sweep({ time: new Date(bucketOf('cd') * 60_000).toISOString() }, {});
    expect(swept).toMatchObject({ outcome: 'swept', gone: 1 });

    for (const route of ['connect', 'disconnect', 'message'] as const) {
      expect(used[route].size, `${route} made DynamoDB calls`).toBeGreaterThan(0);
      expect([...used[route]].filter((action) => !DYNAMODB_ACTIONS[route].includes(action)), `${route} needs only granted actions`).toEqual([]);
      expect([...methods[route]].filter((method) => !(MANAGEMENT_API_METHODS as readonly string[]).includes(method))).toEqual([]);
      expect([...indexes[route]], `${route} queries no index`).toEqual([]);
    }
    // The sweep: its table actions, Query on the keepAlive index alone, the same Management API methods.
    expect([...used.sweep].filter((action) => !(KEEP_ALIVE_DYNAMODB_ACTIONS.table as readonly string[]).includes(action)), 'sweep needs only granted actions').toEqual([]);
    expect([...indexes.sweep]).toEqual(KEEP_ALIVE_DYNAMODB_ACTIONS.index.map((action) => `${KEEP_ALIVE_INDEX}: ${action}`));
    expect([...methods.sweep].filter((method) => !(MANAGEMENT_API_METHODS as readonly string[]).includes(method))).toEqual([]);
    // Ending d reached what $disconnect does: unbound, left the roster, its pending request failed, e told.
    expect(used.sweep).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']));
    expect(methods.sweep).toContain('POST');
    // Sanity: the scenario reached the paths that need the less obvious grants.
    expect(used.connect).toContain('dynamodb:UpdateItem'); // leaving the roster on replacement
    expect(methods.connect).toContain('DELETE'); // closing the replaced connection
    expect(used.disconnect).toContain('dynamodb:Query'); // pending requests of the leaver
  });
});
