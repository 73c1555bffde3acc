/**
 * The IAM the construct synthesizes against the SDK calls the runtime really
 * makes: each route's handler runs with real SDK clients (against dynalite
 * and a loopback Management API) and records every call; the grants are read
 * back from the template, for the one function of the routes (the default),
 * for one function per route (`functionPerRoute`), and for the sweep.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import type { App } from '../../lambda/app/types.js';
import { createHandlers } from '../../lambda/create-handlers.js';
import { bucketOf } from '../../lambda/keep-alive/buckets.js';
import { KEEP_ALIVE_INDEX } from '../../lambda/store/table-schema.js';
import { createLogger } from '../../lambda/log.js';
import type { WebSocketEvent } from '../../lambda/runtime/events.js';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table.js';
import { asArray, render, ROUTE_NAMES, statementsOfRole, synth, type Synthesized } from './helpers.js';

type Handler = 'connect' | 'disconnect' | 'message' | 'sweep';
const credentials = { accessKeyId: 'iam', secretAccessKey: 'iam' };

/** What one handler called: DynamoDB actions on the table, on indexes, and Management API methods. */
interface Calls {
  table: Set<string>;
  index: Set<string>;
  methods: Set<string>;
}
const noCalls = (): Calls => ({ table: new Set(), index: new Set(), methods: new Set() });
type Recorded = Record<Handler, Calls>;
const recorded = (): Recorded => ({ connect: noCalls(), disconnect: noCalls(), message: noCalls(), sweep: noCalls() });

let table: DynaliteTable;
let sink: Server;
let endpoint: string;
const dead = new Set<string>();

function recording<T extends { middlewareStack: { add: Function } }>(client: T, record: (commandName: string, input: any) => void): T {
  client.middlewareStack.add((next: any, context: any) => (args: any) => {
    record(String(context.commandName).replace(/Command$/, ''), args.input);
    return next(args);
  }, { step: 'initialize' });
  return client;
}

/** createHandlers(app) whose calls are recorded under `handler`. */
function handlersFor(app: App, calls: Calls) {
  // A client of its own per handler: DocumentClients share their base client's middleware stack.
  const base = new DynamoDBClient({ endpoint: table.endpoint, region: 'local', credentials });
  const documentClient = recording(DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } }), (name, input) =>
    input?.IndexName ? calls.index.add(`${input.IndexName}: dynamodb:${name}`) : calls.table.add(`dynamodb:${name}`),
  );
  const management = recording(new ApiGatewayManagementApiClient({ endpoint, region: 'us-east-1', credentials }), (name) =>
    calls.methods.add(name === 'PostToConnection' ? 'POST' : name === 'DeleteConnection' ? 'DELETE' : 'GET'),
  );
  // The sweep has no API Gateway event to take the endpoint from: the construct sets it.
  const env = { TABLE_NAME: table.tableName, MANAGEMENT_API_ENDPOINT: endpoint };
  return createHandlers(app, { env, documentClient, managementClient: () => management, logger: createLogger('silent') });
}

/** One client per room: the calls of each handler, each with its own recorder. */
function clientsFor(app: App, room: string, calls: Recorded) {
  const connect = handlersFor(app, calls.connect).connect;
  const message = handlersFor(app, calls.message).message;
  const disconnect = handlersFor(app, calls.disconnect).disconnect;
  const context = { domainName: 'x', stage: 'iam' };
  return {
    sweep: handlersFor(app, calls.sweep).sweep,
    open: (connectionId: string, peerId: string) =>
      connect({ requestContext: { routeKey: '$connect', connectionId, ...context }, headers: { 'Sec-WebSocket-Protocol': 'protoo' }, queryStringParameters: { roomId: room, peerId } }),
    send: (connectionId: string, body: object): Promise<unknown> =>
      message({ requestContext: { routeKey: '$default', connectionId, ...context }, body: JSON.stringify(body) } as WebSocketEvent),
    close: (connectionId: string) => disconnect({ requestContext: { routeKey: '$disconnect', connectionId, ...context } }),
  };
}

/** The room-relay through every path: joins, relays, a replacement, Gone, disconnects, a sweep that finds a peer Gone. */
const relay = recorded();
/** An app that sends a server → client request from onPeerClosed (a PutItem, in $disconnect). */
const requestOnLeave = recorded();

const askOnLeave: App = {
  ...roomRelay,
  async onPeerClosed(event, context) {
    await roomRelay.onPeerClosed?.(event, context);
    for (const peer of context.enrolledPeers) await peer.request('peerLeft', { peerId: event.peerId });
  },
};

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
  endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/iam`;

  const { open, send, close, sweep } = clientsFor(roomRelay, 'r', relay);
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

  const leaving = clientsFor(askOnLeave, 'leave', requestOnLeave);
  for (const [connectionId, peerId] of [['la', 'a'], ['lb', 'b']]) {
    await leaving.open(connectionId, peerId);
    await leaving.send(connectionId, { request: true, id: 1, method: 'join', data: {} });
  }
  await leaving.close('la'); // b is asked, from a's $disconnect
}, 60_000);
afterAll(async () => {
  await table?.close();
  await new Promise((resolve) => sink.close(resolve));
});

/** What a function's role allows, read back from the template. */
function grantsOf({ template, protoo, id }: Synthesized, fn: lambda.IFunction): Calls {
  const tableArn = `\${${id(protoo.table)}.Arn}`;
  const grants = noCalls();
  for (const statement of statementsOfRole(template, id(fn.role!))) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) {
      for (const resource of asArray(statement.Resource).map(render)) {
        if (action.startsWith('dynamodb:') && resource === tableArn) grants.table.add(action);
        const index = resource.startsWith(`${tableArn}/index/`) ? resource.slice(`${tableArn}/index/`.length) : undefined;
        if (action.startsWith('dynamodb:') && index) grants.index.add(`${index}: ${action}`);
        const method = /\/(POST|DELETE|GET)\/@connections\/\*$/.exec(resource)?.[1];
        if (action === 'execute-api:ManageConnections' && method) grants.methods.add(method);
      }
    }
  }
  return grants;
}

/** Every call that `grants` does not allow, as "kind: call". */
function refused(calls: Calls, grants: Calls): string[] {
  return (['table', 'index', 'methods'] as const).flatMap((kind) => [...calls[kind]].filter((call) => !grants[kind].has(call)).map((call) => `${kind}: ${call}`));
}

describe('IAM policies cover what the runtime really calls', () => {
  it('THEN the scenario reached the paths that need the less obvious grants', () => {
    for (const name of ROUTE_NAMES) expect(relay[name].table.size, `${name} made DynamoDB calls`).toBeGreaterThan(0);
    expect(relay.connect.table).toContain('dynamodb:UpdateItem'); // leaving the roster on replacement
    expect(relay.connect.methods).toContain('DELETE'); // closing the replaced connection
    expect(relay.disconnect.table).toContain('dynamodb:Query'); // pending requests of the leaver
    // Ending d reached what $disconnect does: unbound, left the roster, its pending request failed, e told.
    expect(relay.sweep.table).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']));
    expect(relay.sweep.index).toEqual(new Set([`${KEEP_ALIVE_INDEX}: dynamodb:Query`]));
    expect(relay.sweep.methods).toContain('POST');
    for (const name of ROUTE_NAMES) expect([...relay[name].index], `${name} queries no index`).toEqual([]);
    // The request from onPeerClosed stored a pending request, in $disconnect.
    expect(requestOnLeave.disconnect.table).toContain('dynamodb:PutItem');
  });

  describe('GIVEN the default: one function serves every route', () => {
    const synthesized = synth({ stageName: 'iam' });
    const routes = () => grantsOf(synthesized, synthesized.protoo.functions.message);

    it('THEN its one role grants every call of every route, the room relay’s and an app’s that requests from onPeerClosed', () => {
      for (const name of ROUTE_NAMES) {
        expect(refused(relay[name], routes()), `room relay, ${name}`).toEqual([]);
        expect(refused(requestOnLeave[name], routes()), `request from onPeerClosed, ${name}`).toEqual([]);
      }
    });

    it('THEN the sweep’s own role grants every call of the sweep', () => {
      expect(refused(relay.sweep, grantsOf(synthesized, synthesized.protoo.keepAliveFunction!))).toEqual([]);
    });
  });

  describe('GIVEN functionPerRoute: each route’s function has only its route’s grants', () => {
    const synthesized = synth({ stageName: 'iam', functionPerRoute: true });

    it('THEN each role grants every call the room relay makes in its route, and the sweep’s every call of the sweep', () => {
      for (const name of ROUTE_NAMES) expect(refused(relay[name], grantsOf(synthesized, synthesized.protoo.functions[name])), name).toEqual([]);
      expect(refused(relay.sweep, grantsOf(synthesized, synthesized.protoo.keepAliveFunction!))).toEqual([]);
    });

    it('THEN $disconnect’s role refuses the PutItem of a request from onPeerClosed: the one function’s union is what fixes it', () => {
      expect(refused(requestOnLeave.disconnect, grantsOf(synthesized, synthesized.protoo.functions.disconnect))).toEqual(['table: dynamodb:PutItem']);
    });
  });
});
