import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { App } from '../../../lambda/app/types.js';
import { createHandlers, type HandlerOptions } from '../../../lambda/create-handlers.js';
import { connectionKey, peerKey, rosterKey } from '../../../lambda/store/keys.js';
import type { WebSocketEvent } from '../../../lambda/runtime/events.js';
import type { Logger } from '../../../lambda/log.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const NOW = Date.parse('2026-11-29T12:00:00Z');
const FUTURE_TTL = Math.floor(NOW / 1000) + 3600;

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** What a mocked Management API client was asked to deliver: posts decoded in order, and closes. */
export function deliveries(api: AwsClientStub<ApiGatewayManagementApiClient>) {
  const posted = (): { connectionId: string; message: any }[] =>
    api.commandCalls(PostToConnectionCommand).map((call) => ({
      connectionId: call.args[0].input.ConnectionId!,
      message: JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)),
    }));
  return {
    /** Every message posted, decoded, in order. */
    posted,
    postedTo: (connectionId: string): any[] => posted().filter((post) => post.connectionId === connectionId).map((post) => post.message),
    closedConnections: (): string[] => api.commandCalls(DeleteConnectionCommand).map((call) => call.args[0].input.ConnectionId!),
  };
}

/** A Logger that keeps each line, as its JSON would read back (errors by their message), in `logs`. */
export function recordingLogger(logs: LogLine[]): Logger {
  const write = (line: string) => logs.push(JSON.parse(line));
  return {
    debug: (message, fields) => write(JSON.stringify({ level: 'debug', message, ...fields })),
    info: (message, fields) => write(JSON.stringify({ level: 'info', message, ...fields })),
    warn: (message, fields) => write(JSON.stringify({ level: 'warn', message, ...fields })),
    error: (message, fields) => write(JSON.stringify({ level: 'error', message, ...fields }, (_k, v) => (v instanceof Error ? v.message : v))),
  };
}

/**
 * Handlers wired to mocked AWS clients (aws-sdk-client-mock): the real
 * SDK command objects are built and inspected, nothing leaves the process.
 */
export function createHarness(app: App, options: Partial<HandlerOptions> = {}) {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials }));
  const managementClient = new ApiGatewayManagementApiClient({ region: 'us-east-1', credentials, endpoint: 'https://example.test/prod' });
  const dynamo = mockClient(documentClient);
  const api = mockClient(managementClient);
  const endpoints: string[] = [];
  const logs: LogLine[] = [];
  const handlers = createHandlers(app, {
    env: { TABLE_NAME: 'protoo' },
    documentClient,
    managementClient: (endpoint) => {
      endpoints.push(endpoint);
      return managementClient;
    },
    logger: recordingLogger(logs),
    now: () => NOW,
    ...options,
  });
  // Unless a test says otherwise, writes succeed and reads find nothing.
  dynamo.onAnyCommand().resolves({});
  api.onAnyCommand().resolves({});
  // ...and nobody is on a roster, so leaving one fails its condition.
  dynamo.on(UpdateCommand, { UpdateExpression: 'REMOVE #member ADD #count :minus' }).rejects(conditionalCheckFailed());

  return {
    handlers,
    dynamo,
    api,
    endpoints,
    logs,

    /** The connection item that resolves connectionId → identity on a cold Lambda. */
    givenConnection(connectionId: string, roomId: string, peerId: string) {
      dynamo.on(GetCommand, { Key: connectionKey(connectionId) }).resolves({ Item: { ...connectionKey(connectionId), connectionId, roomId, peerId, expiresAt: FUTURE_TTL } });
    },

    /**
     * The room's peer items, as GetItem and the membership Query return
     * them, and its roster (joined peers unless `enrolled` says otherwise),
     * kept in memory so enrolling and leaving behave like the conditional
     * updates they are.
     */
    givenRoom(roomId: string, peers: { peerId: string; connectionId: string; data?: Record<string, unknown>; version?: number; enrolled?: boolean; boundAt?: number }[]) {
      const items = peers.map(({ peerId, connectionId, data = {}, version = 0, boundAt = NOW - 3600_000 }) => ({
        ...peerKey(roomId, peerId),
        roomId,
        peerId,
        connectionId,
        data,
        version,
        boundAt,
        expiresAt: FUTURE_TTL,
      }));
      const roster = new Map<string, { connectionId: string; expiresAt: number }>();
      for (const { peerId, connectionId, data, enrolled } of peers) {
        if (enrolled ?? data?.joined === true) roster.set(`member:${peerId}`, { connectionId, expiresAt: FUTURE_TTL });
      }
      const rosterItem = () => ({ ...rosterKey(roomId), expiresAt: FUTURE_TTL, ...Object.fromEntries(roster) });

      dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': `ROOM#${roomId}`, ':prefix': 'PEER#' } }).resolves({ Items: items });
      dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': `ROOM#${roomId}`, ':prefix': 'PEER' } }).callsFake(() => ({ Items: [...items, rosterItem()] }));
      for (const item of items) dynamo.on(GetCommand, { Key: peerKey(roomId, item.peerId) }).resolves({ Item: item });
      dynamo.on(GetCommand, { Key: rosterKey(roomId) }).callsFake(() => ({ Item: rosterItem() }));
      // The roster's conditional updates, by what they do (capacity is left to the store tests on real engines).
      dynamo.on(UpdateCommand, { Key: rosterKey(roomId) }).callsFake((input) => {
        const name = input.ExpressionAttributeNames['#member'];
        const expression = String(input.UpdateExpression);
        if (expression.startsWith('SET #member')) {
          if (roster.has(name)) throw conditionalCheckFailed();
          roster.set(name, input.ExpressionAttributeValues[':entry']);
          return { Attributes: rosterItem() };
        }
        if (expression.startsWith('REMOVE #member')) {
          if (roster.get(name)?.connectionId !== input.ExpressionAttributeValues[':connectionId']) throw conditionalCheckFailed();
          roster.delete(name);
          return { Attributes: rosterItem() };
        }
        throw new Error(`the harness does not know this roster update: ${expression}`);
      });
      return { roster };
    },

    ...deliveries(api),
    inputs<T extends typeof PutCommand | typeof GetCommand | typeof DeleteCommand | typeof QueryCommand | typeof UpdateCommand>(command: T) {
      return dynamo.commandCalls(command as any).map((call) => call.args[0].input as any);
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;

export function connectEvent(connectionId: string, query: Record<string, string> | null, headers: Record<string, string> = { 'Sec-WebSocket-Protocol': 'protoo' }): WebSocketEvent {
  return {
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', connectionId, domainName: 'abc123.execute-api.us-east-1.amazonaws.com', stage: 'prod' },
    headers,
    queryStringParameters: query,
  };
}

export function messageEvent(connectionId: string, body: unknown, authorizer?: Record<string, unknown>): WebSocketEvent {
  return {
    requestContext: { routeKey: '$default', eventType: 'MESSAGE', connectionId, domainName: 'abc123.execute-api.us-east-1.amazonaws.com', stage: 'prod', authorizer },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export function disconnectEvent(connectionId: string): WebSocketEvent {
  return {
    requestContext: {
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      connectionId,
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      stage: 'prod',
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    },
  };
}

export function goneError(how: 'name' | 'status' = 'name'): Error {
  // The SDK sets the name when it recognises the error, only the status otherwise.
  const error = new Error('Gone') as Error & { $metadata?: { httpStatusCode: number } };
  if (how === 'name') error.name = 'GoneException';
  else error.$metadata = { httpStatusCode: 410 };
  return error;
}

export function conditionalCheckFailed(): Error {
  const error = new Error('The conditional request failed');
  error.name = 'ConditionalCheckFailedException';
  return error;
}
