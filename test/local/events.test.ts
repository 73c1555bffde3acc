/**
 * Handlers get the event shapes and the Lambda-like context AWS gives them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, recorder } from './helpers.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const ID = /^[A-Za-z0-9_-]{15}=$/;

describe('event shapes', () => {
  it('$connect carries headers in the client casing, the query string and the full request context', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(`${stack.url}?roomId=r1&peerId=p1&peerId=p2`, 'protoo', {
      headers: { 'X-Custom-Thing': 'yes', 'User-Agent': 'fidelity-test' },
    });
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$connect');
    const ctx = event.requestContext;
    expect(ctx).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'local',
      domainName: `127.0.0.1:${stack.port}`,
      apiId: stack.apiId,
      identity: { sourceIp: '127.0.0.1', userAgent: 'fidelity-test' },
    });
    expect(ctx.connectionId).toMatch(ID);
    expect(ctx.requestId).toMatch(ID);
    expect(ctx.extendedRequestId).toMatch(ID);
    expect(ctx.messageId).toBeUndefined();
    expect(ctx.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof ctx.connectedAt).toBe('number');
    expect(ctx.requestTimeEpoch).toBeGreaterThanOrEqual(ctx.connectedAt);
    expect(ctx.authorizer).toBeUndefined();
    // Headers keep the client's casing; Sec-WebSocket-Protocol is there for the app to check.
    expect(event.headers!['X-Custom-Thing']).toBe('yes');
    expect(event.headers!['Sec-WebSocket-Protocol']).toBe('protoo');
    expect(event.headers!['Sec-WebSocket-Key']).toBeTruthy();
    expect(event.headers!['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.headers!['X-Amzn-Trace-Id']).toMatch(/^Root=1-/);
    expect(event.multiValueHeaders!['X-Custom-Thing']).toEqual(['yes']);
    // Repeated parameters: the single-value map keeps the last, the multi-value map all.
    expect(event.queryStringParameters).toEqual({ roomId: 'r1', peerId: 'p2' });
    expect(event.multiValueQueryStringParameters).toEqual({ roomId: ['r1'], peerId: ['p1', 'p2'] });
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBeUndefined();
    client.ws.close();
  });

  it('$connect without a query string has no queryStringParameters at all', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.rootUrl);
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$connect');
    expect('queryStringParameters' in event).toBe(false);
    expect('multiValueQueryStringParameters' in event).toBe(false);
    client.ws.close();
  });

  it('$default carries the body and a messageId, and no headers or query string', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(`${stack.url}?roomId=r1`);
    client.ws.send('{"request":true,"id":1,"method":"x","data":{}}');
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$default');
    const connectEvent = rec.events[0]!;
    expect(event.body).toBe('{"request":true,"id":1,"method":"x","data":{}}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.headers).toBeUndefined();
    expect(event.multiValueHeaders).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.requestContext).toMatchObject({
      routeKey: '$default',
      eventType: 'MESSAGE',
      connectionId: connectEvent.requestContext.connectionId,
      connectedAt: connectEvent.requestContext.connectedAt,
      stage: 'local',
      domainName: `127.0.0.1:${stack.port}`,
      identity: { sourceIp: '127.0.0.1' },
    });
    expect(event.requestContext.messageId).toMatch(ID);
    expect(event.requestContext.requestId).not.toBe(connectEvent.requestContext.requestId);
    client.ws.close();
  });

  it('$disconnect carries the close code and reason the client sent', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    client.ws.close(4001, 'bye now');
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 4001,
      disconnectReason: 'bye now',
      connectionId: rec.events[0]!.requestContext.connectionId,
    });
    expect(event.headers!.Host).toBe(`127.0.0.1:${stack.port}`);
    expect(event.body).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
  });

  it('$disconnect after a close frame without a status code reports 1005, and an abrupt drop 1006', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const a = await connect(stack.url);
    a.ws.close();
    const e1 = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(e1.requestContext.disconnectStatusCode).toBe(1005);
    expect(e1.requestContext.disconnectReason).toBe('Client-side close frame status not set');

    const b = await connect(stack.url);
    const bId = rec.events.filter((e) => e.requestContext.routeKey === '$connect')[1]!.requestContext.connectionId;
    b.ws.terminate();
    const e2 = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect' && e.requestContext.connectionId === bId);
    expect(e2.requestContext.disconnectStatusCode).toBe(1006);
  });
});

describe('invocation', () => {
  it('handlers get a Lambda-like context, and callback-style handlers work', async () => {
    const rec = recorder();
    let invoked!: (seen: { remaining: number; context: any }) => void;
    const message = new Promise<{ remaining: number; context: any }>((resolve) => (invoked = resolve));
    const handlers = {
      ...rec.handlers,
      // A callback-style (non-async) handler, as the Lambda Node.js runtime allows.
      message: (event: any, context: any, callback: (e?: unknown, r?: any) => void) => {
        invoked({ remaining: context.getRemainingTimeInMillis(), context });
        setTimeout(() => callback(null, { statusCode: 200 }), 5);
      },
    };
    stack = await startLocalStack({ handlers, dynamodb: 'none', integrationTimeoutMs: 10_000 });
    const client = await connect(stack.url);
    client.ws.send('hello');
    const seen = await message;
    expect(seen.remaining).toBeGreaterThan(9000);
    expect(seen.remaining).toBeLessThanOrEqual(10_000);
    expect(seen.context).toMatchObject({
      functionName: 'protoo-default',
      functionVersion: '$LATEST',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(seen.context.invokedFunctionArn).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:protoo-default$/);
    expect(seen.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    const connectContext = rec.contexts[0];
    expect(connectContext.functionName).toBe('protoo-connect');
    expect(connectContext.awsRequestId).not.toBe(seen.context.awsRequestId);
    client.ws.close();
  });

  it('messages are handled concurrently, not one at a time (as Lambda scales out)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const rec = recorder({
      message: async (event) => {
        if (event.body === 'first') await gate; // blocks until "second" is handled
        if (event.body === 'second') release();
        return { statusCode: 200 };
      },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', integrationTimeoutMs: 3000 });
    const a = await connect(stack.url);
    const b = await connect(stack.url);
    a.ws.send('first');
    await rec.waitFor((e) => e.body === 'first');
    b.ws.send('second');
    // If invocations were serialized, "first" would time out and send an error frame.
    await rec.waitFor((e) => e.body === 'second');
    // Both have returned, and an error frame for "first" would have reached its client.
    await stack.settled();
    expect(a.messages).toEqual([]);
    a.ws.send('first'); // same connection, concurrently with itself
    await rec.waitFor((e) => e.body === 'first' && rec.events.filter((x) => x.body === 'first').length === 2);
    a.ws.close();
    b.ws.close();
  });

  it('serves the API on / and /{stage}, and refuses other paths with 403', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', stage: 'dev' });
    expect(stack.url).toBe(`ws://127.0.0.1:${stack.port}/dev`);
    const a = await connect(stack.url);
    const b = await connect(stack.rootUrl);
    await expect(connect(`ws://127.0.0.1:${stack.port}/prod`)).rejects.toMatchObject({ status: 403 });
    expect(rec.events.filter((e) => e.requestContext.routeKey === '$connect').map((e) => e.requestContext.stage)).toEqual(['dev', 'dev']);
    a.ws.close();
    b.ws.close();
  });

  it('a $default result is not sent back unless route responses are on', async () => {
    const rec = recorder({ message: () => ({ statusCode: 200, body: 'echo' }) });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const a = await connect(stack.url);
    a.ws.send('x');
    await rec.waitFor((e) => e.body === 'x');
    // The handler has returned, and a result sent back would have reached the client.
    await stack.settled();
    expect(a.messages).toEqual([]);
    await stack.stop();

    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', routeResponses: true });
    const b = await connect(stack.url);
    b.ws.send('y');
    expect(await b.next()).toBe('echo');
    b.ws.close();
  });
});
