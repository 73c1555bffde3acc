/**
 * The $connect handshake as API Gateway runs it: the route decides, the
 * subprotocol is never echoed on our own, failures map to HTTP statuses,
 * and an authorizer's context reaches every route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import type { AuthorizerResult } from '../../local/types.js';
import { connect, recorder } from './helpers.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('$connect decides the handshake', () => {
  it.each([400, 401, 403, 429])('a $connect answering %i refuses the handshake with that status and no $disconnect', async (status) => {
    const rec = recorder({ connect: () => ({ statusCode: status, body: 'nope' }) });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const refused = await connect(stack.url).catch((e) => e);
    expect(refused.status).toBe(status);
    expect(refused.body).toBe('nope');
    // The handshake is over on the server's side too, and nothing followed it.
    await stack.settled();
    expect(rec.events.map((e) => e.requestContext.routeKey)).toEqual(['$connect']);
    expect(stack.connectionIds()).toEqual([]);
  });

  it('a $connect that throws gives 500', async () => {
    const rec = recorder({
      connect: () => {
        throw new Error('boom');
      },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 500 });
  });

  it('a $connect that outlives the integration timeout gives 504', async () => {
    const rec = recorder({ connect: () => new Promise(() => {}) });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', integrationTimeoutMs: 200 });
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 504 });
  });

  it('a $connect result without a statusCode is a malformed proxy response (502)', async () => {
    const rec = recorder({ connect: () => undefined });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 502 });
  });

  it('the subprotocol is accepted only if the $connect response returns Sec-WebSocket-Protocol', async () => {
    // 200 without the header: the client asked for "protoo" and gets no subprotocol → it must fail.
    const withoutHeader = recorder({ connect: () => ({ statusCode: 200 }) });
    stack = await startLocalStack({ handlers: withoutHeader.handlers, dynamodb: 'none' });
    const failure = await connect(stack.url, 'protoo').catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure.message)).toMatch(/subprotocol/i);
    // The same handler accepts a client that asked for no subprotocol.
    const plain = await connect(stack.url, null);
    expect(plain.ws.protocol).toBe('');
    plain.ws.close();
    await stack.stop();

    // With the header, the handshake selects it.
    const withHeader = recorder();
    stack = await startLocalStack({ handlers: withHeader.handlers, dynamodb: 'none' });
    const ok = await connect(stack.url, ['chat', 'protoo']);
    expect(ok.ws.protocol).toBe('protoo');
    ok.ws.close();
  });

  it('a client that offers no subprotocol still reaches $connect, which may refuse it', async () => {
    const rec = recorder({
      connect: (event) =>
        event.headers?.['Sec-WebSocket-Protocol']?.includes('protoo')
          ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'protoo' } }
          : { statusCode: 400 },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    await expect(connect(stack.url, null)).rejects.toMatchObject({ status: 400 });
    const ok = await connect(stack.url, 'protoo');
    expect(ok.ws.protocol).toBe('protoo');
    ok.ws.close();
  });
});

describe('$connect authorizer', () => {
  const allow = (context: Record<string, string | number | boolean>) =>
    async (event: any): Promise<AuthorizerResult> => ({
      principalId: 'user-1',
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: event.methodArn }] },
      context,
    });

  it('delivers its context in requestContext.authorizer on every route of the connection', async () => {
    const rec = recorder();
    let authorizerEvent: any;
    stack = await startLocalStack({
      handlers: rec.handlers,
      dynamodb: 'none',
      authorizer: async (event) => {
        authorizerEvent = event;
        return allow({ roomId: 'r1', peerId: 'p1', admin: true, level: 3 })(event);
      },
    });
    const client = await connect(`${stack.url}?token=abc`);
    client.ws.send('hi');
    await rec.waitFor((e) => e.requestContext.routeKey === '$default');
    client.ws.close(1000);
    await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(rec.events.map((e) => e.requestContext.routeKey)).toEqual(['$connect', '$default', '$disconnect']);
    for (const event of rec.events) {
      expect(event.requestContext.authorizer).toMatchObject({ roomId: 'r1', peerId: 'p1', admin: true, level: 3, principalId: 'user-1' });
      expect(typeof event.requestContext.authorizer!.integrationLatency).toBe('number');
    }
    expect(authorizerEvent).toMatchObject({
      type: 'REQUEST',
      queryStringParameters: { token: 'abc' },
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'local' },
    });
    expect(authorizerEvent.methodArn).toBe(`arn:aws:execute-api:us-east-1:000000000000:${stack.apiId}/local/$connect`);
  });

  it('a Deny policy refuses with 403, "Unauthorized" with 401, other errors with 500, and $connect never runs', async () => {
    const rec = recorder();
    let mode = 'deny';
    stack = await startLocalStack({
      handlers: rec.handlers,
      dynamodb: 'none',
      authorizer: async (event) => {
        if (mode === 'unauthorized') throw new Error('Unauthorized');
        if (mode === 'crash') throw new Error('database down');
        if (mode === 'nested') return { ...(await allow({})(event)), context: { nested: { a: 1 } as any } };
        return {
          principalId: 'x',
          policyDocument: { Statement: [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: '*' }] },
        };
      },
    });
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 403 });
    mode = 'unauthorized';
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 401 });
    mode = 'crash';
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 500 });
    mode = 'nested';
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 500 });
    expect(rec.events).toEqual([]);
  });

  it('a missing identity source refuses with 401 without calling the authorizer', async () => {
    let calls = 0;
    const rec = recorder();
    stack = await startLocalStack({
      handlers: rec.handlers,
      dynamodb: 'none',
      authorizer: {
        identitySource: ['route.request.querystring.token'],
        handler: async (event) => {
          calls++;
          return allow({})(event);
        },
      },
    });
    await expect(connect(stack.url)).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(0);
    const ok = await connect(`${stack.url}?token=t`);
    expect(calls).toBe(1);
    ok.ws.close();
  });
});
