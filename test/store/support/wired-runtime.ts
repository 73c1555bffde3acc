import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { createHandlers, type HandlerOptions, type Handlers } from '../../../lambda/create-handlers.js';
import type { WebSocketEvent } from '../../../lambda/runtime/events.js';
import { StateStore } from '../../../lambda/store/state-store.js';
import type { DynaliteTable } from '../../support/dynalite-table.js';

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

/**
 * The real handlers on the real store (embedded dynalite): conditions, TTLs
 * and races are the engine's. Only the Management API is stood in for, as
 * API Gateway's side of the socket: it records what each connection was
 * sent and closed, and answers Gone for the connections in `gone`.
 */
export function wireRuntime(table: DynaliteTable, app: App, options: Partial<HandlerOptions> & { domain?: string } = {}) {
  const managementClient = new ApiGatewayManagementApiClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoint: 'https://example.test/prod',
  });
  const api = mockClient(managementClient);
  const inboxes = new Map<string, any[]>();
  const gone = new Set<string>();
  const closed: string[] = [];
  const logs: LogLine[] = [];
  /** Runs when a connection is closed, before DeleteConnection returns (as API Gateway's $disconnect may). */
  let onClose: (connectionId: string) => Promise<void> = async () => {};

  const goneError = () => Object.assign(new Error('Gone'), { name: 'GoneException', $metadata: { httpStatusCode: 410 } });
  api.on(PostToConnectionCommand).callsFake(async (input) => {
    const connectionId = String(input.ConnectionId);
    if (gone.has(connectionId)) throw goneError();
    const message = JSON.parse(new TextDecoder().decode(input.Data as Uint8Array));
    inboxes.set(connectionId, [...(inboxes.get(connectionId) ?? []), message]);
    return {};
  });
  api.on(DeleteConnectionCommand).callsFake(async (input) => {
    const connectionId = String(input.ConnectionId);
    if (gone.has(connectionId)) throw goneError();
    closed.push(connectionId);
    gone.add(connectionId);
    await onClose(connectionId);
    return {};
  });

  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void logs.push({ level, message, ...fields });
  const handlers: Handlers = createHandlers(app, {
    env: { TABLE_NAME: table.tableName, LOG_LEVEL: 'debug' },
    documentClient: table.documentClient,
    managementClient: () => managementClient,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    ...options,
  });
  const requestContext = (routeKey: string, connectionId: string) => ({
    routeKey,
    connectionId,
    domainName: options.domain ?? 'abc123.execute-api.us-east-1.amazonaws.com',
    stage: 'prod',
  });
  let nextRequestId = 1000;

  const wired = {
    handlers,
    store: new StateStore(table.tableClient, table.tableName, options.now),
    gone,
    closed,
    logs,
    /** What `connectionId` was sent, in order. */
    inbox(connectionId: string): any[] {
      return inboxes.get(connectionId) ?? [];
    },
    /** Forgets what was sent so far (to every connection). */
    clearInboxes(): void {
      inboxes.clear();
    },
    whenClosed(run: (connectionId: string) => Promise<void>): void {
      onClose = run;
    },
    async connect(connectionId: string, roomId: string, peerId: string) {
      const event: WebSocketEvent = {
        requestContext: { ...requestContext('$connect', connectionId), eventType: 'CONNECT' },
        headers: { 'Sec-WebSocket-Protocol': 'protoo' },
        queryStringParameters: { roomId, peerId },
      };
      return handlers.connect(event);
    },
    async disconnect(connectionId: string) {
      return handlers.disconnect({ requestContext: { ...requestContext('$disconnect', connectionId), eventType: 'DISCONNECT' } });
    },
    /** Delivers one frame from the client, as $default. */
    async send(connectionId: string, body: unknown) {
      return handlers.message({
        requestContext: { ...requestContext('$default', connectionId), eventType: 'MESSAGE' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        isBase64Encoded: false,
      });
    },
    /** Sends a protoo request and returns the response it got (the last one with its id). */
    async request(connectionId: string, method: string, data: Record<string, unknown> = {}) {
      const id = nextRequestId++;
      await wired.send(connectionId, { request: true, id, method, data });
      return wired.inbox(connectionId).findLast((message) => message.response && message.id === id);
    },
    /** The log line of the last invocation of `route` ('message', 'connect', 'disconnect'). */
    lastOutcome(route: string): LogLine | undefined {
      return logs.findLast((line) => line.message === route);
    },
  };
  return wired;
}

export type WiredRuntime = ReturnType<typeof wireRuntime>;

/** alice (c-alice) and bob (c-bob) connected and joined to `roomId` with the room relay, inboxes cleared. */
export async function joinedPair(rt: WiredRuntime, roomId: string): Promise<void> {
  for (const [connectionId, peerId] of [['c-alice', 'alice'], ['c-bob', 'bob']]) {
    expect((await rt.connect(connectionId, roomId, peerId)).statusCode).toBe(200);
    expect(await rt.request(connectionId, 'join', { data: { name: peerId } })).toMatchObject({ ok: true });
  }
  rt.clearInboxes();
}
