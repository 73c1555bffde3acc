/**
 * A client that does not read its socket: a Management API POST to it never
 * waits for the socket to drain. Past the gateway's buffer bound it answers
 * 429 LimitExceededException (AWS's documented answer when "the WebSocket
 * client side buffer is full") or, with `onOverflow: 'close'`, drops the
 * connection and answers 410 from then on.
 */
import { GetConnectionCommand, PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBackpressure } from '../../local/gateway-quotas.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, managementClient, recorder, type Client } from './helpers.js';

let stack: LocalStack | undefined;
let api: ApiGatewayManagementApiClient | undefined;
afterEach(async () => {
  api?.destroy();
  await stack?.stop();
  stack = undefined;
  api = undefined;
});

const CHUNK = 100 * 1024;
/** Far more than the OS socket buffers plus the gateway's bound: overflow must come before this. */
const MAX_POSTS = 400;

/** Stops reading: the client's socket no longer consumes what arrives. */
function stopReading(client: Client): void {
  (client.ws as any)._socket.pause();
}

async function startWithStuckClient(backpressure: Partial<LocalStack['gateway']['backpressure']> = {}) {
  const rec = recorder();
  stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', logLevel: 'error' });
  Object.assign(stack.gateway.backpressure, backpressure);
  const client = await connect(stack.url);
  const id = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect')).requestContext.connectionId;
  stopReading(client);
  api = managementClient(stack.managementEndpoint);
  return { rec, client, id, api };
}

/** Posts CHUNK-sized messages until one is not a 200; each must be answered promptly. */
async function postUntilRefused(client: ApiGatewayManagementApiClient, id: string) {
  let accepted = 0;
  let slowest = 0;
  for (let i = 0; i < MAX_POSTS; i++) {
    const started = Date.now();
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: String(i % 10).repeat(CHUNK) }));
      accepted++;
    } catch (error: any) {
      slowest = Math.max(slowest, Date.now() - started);
      return { accepted, slowest, error };
    } finally {
      slowest = Math.max(slowest, Date.now() - started);
    }
  }
  throw new Error(`${MAX_POSTS} posts of ${CHUNK} bytes to a client that does not read were all accepted`);
}

describe('a client that does not read', () => {
  it('default: POSTs answer at once until the buffer is full, then 429 LimitExceededException; the connection stays open and drains when the client reads again', async () => {
    const { client, id, api } = await startWithStuckClient({ maxBufferedBytes: 256 * 1024 });
    const { accepted, slowest, error } = await postUntilRefused(api, id);

    expect(error.name).toBe('LimitExceededException');
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(accepted).toBeGreaterThan(2);
    // No POST waited for the socket to drain.
    expect(slowest).toBeLessThan(1_000);
    // Still open: GET answers, and another POST that does not fit is refused the same way.
    await expect(api.send(new GetConnectionCommand({ ConnectionId: id }))).resolves.toBeDefined();
    await expect(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(CHUNK) }))).rejects.toMatchObject({ name: 'LimitExceededException' });

    // Reading again drains it: every accepted message arrives, in order, and POSTs succeed again.
    (client.ws as any)._socket.resume();
    for (let i = 0; i < accepted; i++) expect((await client.next(10_000)).slice(0, 1)).toBe(String(i % 10));
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'after' }));
    expect(await client.next()).toBe('after');
  });

  it("onOverflow 'close': the overflowing POST answers 410, the connection is dropped ($disconnect 1006) and later POSTs answer 410", async () => {
    const { rec, id, api } = await startWithStuckClient({ maxBufferedBytes: 256 * 1024, onOverflow: 'close' });
    const { accepted, slowest, error } = await postUntilRefused(api, id);

    expect(error.name).toBe('GoneException');
    expect(accepted).toBeGreaterThan(2);
    expect(slowest).toBeLessThan(1_000);
    const disconnect = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect' && e.requestContext.connectionId === id);
    expect((disconnect.requestContext as any).disconnectStatusCode).toBe(1006);
    await expect(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'late' }))).rejects.toMatchObject({ name: 'GoneException' });
  });

  it('a slow client never delays POSTs to another connection', async () => {
    const { id, api, rec } = await startWithStuckClient({ maxBufferedBytes: 256 * 1024 });
    const other = await connect(stack!.url);
    const otherId = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect' && e.requestContext.connectionId !== id)).requestContext.connectionId;
    await postUntilRefused(api, id);
    const started = Date.now();
    await api.send(new PostToConnectionCommand({ ConnectionId: otherId, Data: 'hello' }));
    expect(await other.next()).toBe('hello');
    expect(Date.now() - started).toBeLessThan(1_000);
    other.ws.close();
  });

  it('refuses a bound smaller than one message, and an unknown overflow policy', () => {
    expect(() => resolveBackpressure({ maxBufferedBytes: 1000 }, 128 * 1024)).toThrow(/at least one message/);
    expect(() => resolveBackpressure({ onOverflow: 'drop' as never }, 128 * 1024)).toThrow(/'reject' or 'close'/);
  });
});
