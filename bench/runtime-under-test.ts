/**
 * One runtime under test, from a source tree (this checkout, or another
 * commit's worktree): the only place that knows how the benchmark reaches
 * a runtime's code, so a change of the runtime's API is adapted here.
 *
 * - `loadEntry`: the deployed entry point, lambda/entry.ts, exactly as
 *   Lambda loads it: configuration from the environment, its own SDK
 *   clients (set TABLE_NAME, DYNAMODB_ENDPOINT, … before calling).
 * - `loadFactory`: the same app through createHandlers with injected
 *   clients (the in-memory fakes, or a real DynamoDB with a Management API
 *   that costs nothing, to build large rooms quickly).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchEvent {
  requestContext: Record<string, unknown> & { routeKey: string; connectionId: string };
  headers?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

export type RouteHandler = (event: BenchEvent, context?: unknown) => Promise<unknown>;

export interface RuntimeHandlers {
  connect: RouteHandler;
  message: RouteHandler;
  disconnect: RouteHandler;
}

export interface InjectedClients {
  documentClient: unknown;
  managementClient: (endpoint: string) => unknown;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function load<T>(root: string, path: string): Promise<T> {
  return (await import(pathToFileURL(join(root, path)).href)) as T;
}

/** lambda/entry.ts of `root`: one module instance serves every route, as one function does on AWS. */
export async function loadEntry(root: string): Promise<RuntimeHandlers> {
  const entry = await load<Partial<RuntimeHandlers>>(root, 'lambda/entry.ts');
  if (typeof entry.connect !== 'function' || typeof entry.message !== 'function' || typeof entry.disconnect !== 'function') {
    throw new Error(`${root}/lambda/entry.ts does not export connect, message and disconnect`);
  }
  return { connect: entry.connect, message: entry.message, disconnect: entry.disconnect };
}

/**
 * Builds rooms only: `join` enrolls the peer on the room's roster and answers
 * `{}` — what the room relay's join leaves in the table for the fan-out
 * (the roster and the peer's binding), without its newPeer fan-out and peer
 * list, whose cost grows with the room (a room of 1,000 would take minutes).
 * Written against the app API (Room.enroll, RequestContext.accept).
 */
const roomBuilder = {
  async onRequest({ method }: { method: string }, context: { room: { enroll(peer: unknown, options: object): Promise<unknown> }; peer: unknown; accept(data?: object): unknown }) {
    if (method !== 'join') throw new Error(`the room builder only joins, not ${method}`);
    await context.room.enroll(context.peer, { capacity: 100_000 });
    await context.accept({});
  },
  onNotification() {},
};

/**
 * Handlers built with injected clients and a silent logger: the room relay
 * with its limits from the environment, or the room builder above.
 */
export async function loadFactory(root: string): Promise<(clients: InjectedClients, app?: 'room-relay' | 'room-builder') => RuntimeHandlers> {
  const { createHandlers } = await load<{ createHandlers(app: unknown, options: object): RuntimeHandlers }>(root, 'lambda/create-handlers.ts');
  const { createRoomRelay, limitsFromEnv } = await load<{ createRoomRelay(limits: unknown): unknown; limitsFromEnv(env: NodeJS.ProcessEnv): unknown }>(
    root,
    'lambda/apps/room-relay.ts',
  );
  return ({ documentClient, managementClient }, app = 'room-relay') =>
    createHandlers(app === 'room-builder' ? roomBuilder : createRoomRelay(limitsFromEnv(process.env)), { env: process.env, documentClient, managementClient, logger: silent });
}

/** What API Gateway sends, for connection `c<i>` / peer `p<i>`, with the Management API at `managementHost`/`stage`. */
export function eventsFor(managementHost: string, stage: string) {
  const context = (routeKey: string, eventType: string, i: number) => ({
    routeKey,
    eventType,
    connectionId: `c${i}`,
    domainName: managementHost,
    stage,
    requestId: `r${i}-${Math.random().toString(36).slice(2)}`,
    identity: { sourceIp: '127.0.0.1' },
    connectedAt: Date.now(),
    requestTimeEpoch: Date.now(),
    apiId: 'bench',
  });
  return {
    connect: (i: number, roomId: string): BenchEvent => ({
      requestContext: context('$connect', 'CONNECT', i),
      headers: { 'Sec-WebSocket-Protocol': 'protoo' },
      queryStringParameters: { roomId, peerId: `p${i}` },
    }),
    message: (i: number, body: object): BenchEvent => ({ requestContext: context('$default', 'MESSAGE', i), body: JSON.stringify(body), isBase64Encoded: false }),
    disconnect: (i: number): BenchEvent => ({
      requestContext: { ...context('$disconnect', 'DISCONNECT', i), disconnectStatusCode: 1000, disconnectReason: '' },
    }),
  };
}

/** A Lambda context with the full 29 s of an API Gateway integration ahead. */
export function lambdaContext() {
  const deadline = Date.now() + 29_000;
  return {
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
    memoryLimitInMB: '256',
    awsRequestId: Math.random().toString(36).slice(2),
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
