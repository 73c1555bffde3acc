/**
 * A browned-out DynamoDB, with the same handlers and the runtime's own DynamoDB client
 * (built by store/dynamodb-client.ts from DYNAMODB_ENDPOINT) pointed at a
 * loopback endpoint that fails as told: every request is answered 503 with
 * an id within the deadline, and once the endpoint is healthy again the
 * same connection and the other peers work as before.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { EventEmitter, once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHandlers } from '../../../lambda/create-handlers.js';
import type { LogFields } from '../../../lambda/log.js';
import { startDynaliteTable, type DynaliteTable } from '../../support/dynalite-table.js';
import { startFaultyDynamo, type DynamoFault, type FaultyDynamo } from '../../support/fault-dynamodb.js';
import { connectEvent, messageEvent } from '../support/harness.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TRY_AGAIN = /^temporarily unavailable, try again \(id ([0-9a-f]{12})\)$/;

let table: DynaliteTable;
let dynamo: FaultyDynamo;
const env: NodeJS.ProcessEnv = {};
const logs: ({ level: string; message: string } & LogFields)[] = [];
const logged = new EventEmitter();
// The Management API is not what fails here: mocked at the AWS boundary, every post recorded.
const managementClient = new ApiGatewayManagementApiClient({ region: 'us-east-1', credentials, endpoint: 'https://example.test/prod' });
const api = mockClient(managementClient);
api.onAnyCommand().resolves({});

const log = (level: string) => (message: string, fields: LogFields = {}) => {
  logs.push({ level, message, ...fields });
  logged.emit(message, fields);
};
/** Handlers configured with `env` plus `deadline` (they read it once, as a warm container does). */
function handlersWith(deadline: { INVOCATION_DEADLINE_MS?: string }) {
  return createHandlers(roomRelay, {
    env: { ...env, ...deadline },
    managementClient: () => managementClient,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  });
}
let handlers: ReturnType<typeof handlersWith>;

function postedTo(connectionId: string): any[] {
  return api
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId)
    .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)));
}

beforeAll(async () => {
  table = await startDynaliteTable();
  dynamo = await startFaultyDynamo(table.endpoint);
  // The loopback fault server stands for AWS: the limits AWS gets, not a local engine's 10 s.
  Object.assign(env, { TABLE_NAME: table.tableName, DYNAMODB_ENDPOINT: dynamo.endpoint, DYNAMODB_TIMEOUT_MS: '1000', AWS_REGION: 'us-east-1', LOG_LEVEL: 'error' });
  // The SDK reads credentials from process.env, not from the handlers' env.
  process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
  process.env.AWS_REGION ??= 'us-east-1';
});

afterAll(async () => {
  await dynamo.close();
  await table.close();
});

/** alice and bob joined in a room of their own, while DynamoDB is healthy. */
async function joinedPair(roomId: string) {
  dynamo.fault = 'pass';
  for (const peerId of ['alice', 'bob']) {
    const connectionId = `${roomId}-${peerId}`;
    expect((await handlers.connect(connectEvent(connectionId, { roomId, peerId }))).statusCode).toBe(200);
    await handlers.message(messageEvent(connectionId, { request: true, id: 1, method: 'join', data: { data: { name: peerId } } }));
    expect(postedTo(connectionId)[0]).toMatchObject({ response: true, id: 1, ok: true });
  }
  return { alice: `${roomId}-alice`, bob: `${roomId}-bob` };
}

/** bob asks for the peers while DynamoDB fails: answered 503 with the logged id. */
async function getPeersDuring(fault: DynamoFault, bob: string) {
  dynamo.fault = fault;
  dynamo.faulted = 0;
  const started = Date.now();
  const result = await handlers.message(messageEvent(bob, { request: true, id: 7, method: 'getPeers' }));
  const elapsed = Date.now() - started;
  expect(result).toEqual({ statusCode: 200 });
  const answer = postedTo(bob).find((message) => message.id === 7);
  expect(answer).toMatchObject({ response: true, id: 7, ok: false, errorCode: 503 });
  const errorId = TRY_AGAIN.exec(answer.errorReason)?.[1];
  expect(errorId).toBeDefined();
  expect(logs.find((line) => line.errorId === errorId)).toMatchObject({ level: 'error', connectionId: bob });
  return { elapsed };
}

/** Healthy again: bob's next request works, and alice still reaches bob. */
async function stillWorking({ alice, bob }: { alice: string; bob: string }) {
  dynamo.fault = 'pass';
  await handlers.message(messageEvent(bob, { request: true, id: 8, method: 'getPeers' }));
  expect(postedTo(bob).find((message) => message.id === 8)).toMatchObject({ ok: true, data: { peers: [{ id: 'alice', data: { name: 'alice' } }] } });
  await handlers.message(messageEvent(alice, { request: true, id: 2, method: 'peerNotify', data: { method: 'hello', data: { n: 1 } } }));
  expect(postedTo(alice).find((message) => message.id === 2)).toMatchObject({ ok: true, data: { delivered: 1 } });
  expect(postedTo(bob)).toContainEqual({ notification: true, method: 'hello', data: { from: 'alice', data: { n: 1 } } });
}

describe('a DynamoDB that answers with errors', () => {
  it.each<[DynamoFault]>([['throttling'], ['provisioned-throughput'], ['http-500']])(
    '%s: retried 3 times within bounds, then answered 503, and everything works once it recovers',
    async (fault) => {
      handlers = handlersWith({ INVOCATION_DEADLINE_MS: '8000' });
      const pair = await joinedPair(`room-${fault}`);
      const { elapsed } = await getPeersDuring(fault, pair.bob);
      // maxAttempts 3: the SDK gave up before the deadline (its backoff is ≤ 1.5 s in all).
      expect(dynamo.faulted).toBe(3);
      expect(elapsed).toBeLessThan(3_000);
      await stillWorking(pair);
    },
  );
});

describe('a DynamoDB that accepts TCP and never answers', () => {
  it('is answered 503 at the deadline (INVOCATION_DEADLINE_MS), the late failure is logged, and everything works once it recovers', async () => {
    handlers = handlersWith({ INVOCATION_DEADLINE_MS: '1500' });
    const pair = await joinedPair('room-silent');
    const late = once(logged, 'message finished after its deadline');
    const { elapsed } = await getPeersDuring('silent', pair.bob);
    expect(elapsed).toBeGreaterThanOrEqual(1_450);
    expect(elapsed).toBeLessThan(2_500);
    // The abandoned work ends on the SDK's own bounds (3 attempts of 1 s of silence), logged, not unhandled.
    const [fields] = (await late) as [LogFields];
    expect(fields).toMatchObject({ connectionId: pair.bob, outcome: expect.any(String) });
    expect(dynamo.faulted).toBe(3);
    // The abandoned work's own (late) answer is dropped: one answer per request.
    expect(postedTo(pair.bob).filter((message) => message.id === 7)).toHaveLength(1);
    await stillWorking(pair);
  });

  it('derives the deadline from the Lambda context: the remaining time less the reserve to answer', async () => {
    handlers = handlersWith({});
    const pair = await joinedPair('room-context');
    dynamo.fault = 'silent';
    const late = once(logged, 'message finished after its deadline');
    const deadline = Date.now() + 3_000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now() };
    const started = Date.now();
    await handlers.message(messageEvent(pair.bob, { request: true, id: 9, method: 'getPeers' }), context);
    const elapsed = Date.now() - started;
    expect(postedTo(pair.bob).find((message) => message.id === 9)).toMatchObject({ ok: false, errorCode: 503 });
    // 3 s remaining − 2 s kept to answer = 1 s of work.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_000);
    await late;
    await stillWorking(pair);
  });
});
