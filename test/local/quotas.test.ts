/**
 * API Gateway's quotas and failure frames: binary frames, frame and message
 * size, idle timeout, maximum connection duration, and the frame a client
 * gets when the integration fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, managementClient, recorder, sleep } from './helpers.js';
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const KB = 1024;

/** Sends `total` bytes of text as one message in frames of `frame` bytes. */
function sendFragmented(ws: import('ws').WebSocket, total: number, frame: number, fill = 'a') {
  const text = fill.repeat(total);
  for (let offset = 0; offset < total; offset += frame) {
    ws.send(text.slice(offset, offset + frame), { fin: offset + frame >= total, compress: false });
  }
  return text;
}

describe('frames and sizes', () => {
  it('a binary frame closes the connection with 1003 and is not delivered', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await client.closed).code).toBe(1003);
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(1003);
    expect(rec.events.some((e) => e.requestContext.routeKey === '$default')).toBe(false);
  });

  it('a single frame over 32 KB closes with 1009; exactly 32 KB is fine', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    client.ws.send('b'.repeat(32 * KB));
    const ok = await rec.waitFor((e) => e.requestContext.routeKey === '$default');
    expect(ok.body!.length).toBe(32 * KB);

    client.ws.send('c'.repeat(32 * KB + 1)); // one frame, as browsers send it
    expect((await client.closed).code).toBe(1009);
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(rec.events.filter((e) => e.requestContext.routeKey === '$default')).toHaveLength(1);
  });

  it('a 128 KB message in 32 KB frames is delivered whole; one byte more closes with 1009', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    const sent = sendFragmented(client.ws, 128 * KB, 32 * KB, 'd');
    const delivered = await rec.waitFor((e) => e.requestContext.routeKey === '$default');
    expect(delivered.body).toBe(sent);

    sendFragmented(client.ws, 128 * KB + 1, 16 * KB, 'e');
    expect((await client.closed).code).toBe(1009);
    await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(rec.events.filter((e) => e.requestContext.routeKey === '$default')).toHaveLength(1);
  });

  it('the size guard does not disturb other connections', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const bad = await connect(stack.url);
    const good = await connect(stack.url);
    bad.ws.send('f'.repeat(40 * KB));
    expect((await bad.closed).code).toBe(1009);
    good.ws.send('still here');
    expect((await rec.waitFor((e) => e.body === 'still here')).body).toBe('still here');
    good.ws.close();
  });
});

describe('timeouts', () => {
  it('an idle connection is closed (1001 Going away) after the idle timeout; client messages keep it alive', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', idleTimeoutMs: 800 });
    const busy = await connect(stack.url);
    const idle = await connect(stack.url);
    const started = Date.now();
    const ticker = setInterval(() => busy.ws.send('tick'), 100);
    const closed = await idle.closed;
    const elapsed = Date.now() - started;
    expect(closed.code).toBe(1001);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(3000);
    await sleep(600);
    expect(busy.ws.readyState).toBe(busy.ws.OPEN); // 1.4 s > 800 ms, but never idle
    clearInterval(ticker);
    expect((await busy.closed).code).toBe(1001);
    const disconnects = rec.events.filter((e) => e.requestContext.routeKey === '$disconnect');
    await rec.waitFor(() => rec.events.filter((e) => e.requestContext.routeKey === '$disconnect').length === 2);
    for (const event of rec.events.filter((e) => e.requestContext.routeKey === '$disconnect')) {
      expect(event.requestContext.disconnectStatusCode).toBe(1001);
      expect(event.requestContext.disconnectReason).toBe('Going away');
    }
    expect(disconnects.length).toBeGreaterThanOrEqual(1);
  });

  it('messages posted to the client also count as activity', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', idleTimeoutMs: 800 });
    const client = await connect(stack.url);
    const id = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect')).requestContext.connectionId;
    const api = managementClient(stack.managementEndpoint);
    for (let i = 0; i < 12; i++) {
      await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'keepalive' }));
      await sleep(100);
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect((await client.closed).code).toBe(1001);
    api.destroy();
  });

  it('the maximum connection duration closes even a busy connection', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', maxConnectionDurationMs: 500 });
    const client = await connect(stack.url);
    const started = Date.now();
    const ticker = setInterval(() => client.ws.readyState === client.ws.OPEN && client.ws.send('tick'), 50);
    const closed = await client.closed;
    clearInterval(ticker);
    expect(closed.code).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(1001);
  });
});

describe('integration failures', () => {
  it('a $default that throws sends API Gateway\'s error frame, and the connection stays usable', async () => {
    const rec = recorder({
      message: (event) => {
        if (event.body === 'explode') throw new Error('kaboom');
        return { statusCode: 200 };
      },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', routeResponses: false });
    const client = await connect(stack.url);
    client.ws.send('explode');
    const frame = await client.next();
    const event = await rec.waitFor((e) => e.body === 'explode');
    // Byte for byte what API Gateway sends, odd spacing included.
    expect(frame).toBe(
      `{"message": "Internal server error", "connectionId":"${event.requestContext.connectionId}", "requestId":"${event.requestContext.requestId}"}`,
    );
    expect(JSON.parse(frame)).toEqual({
      message: 'Internal server error',
      connectionId: event.requestContext.connectionId,
      requestId: event.requestContext.requestId,
    });
    client.ws.send('fine');
    await rec.waitFor((e) => e.body === 'fine');
    await sleep(100);
    expect(client.messages).toHaveLength(1);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it('a $default over the integration timeout sends "Endpoint request timed out"', async () => {
    const rec = recorder({ message: () => new Promise(() => {}) });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', integrationTimeoutMs: 200 });
    const client = await connect(stack.url);
    client.ws.send('slow');
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Endpoint request timed out' });
    client.ws.close();
  });

  it('a $disconnect that throws is only logged', async () => {
    const rec = recorder({
      disconnect: () => {
        throw new Error('late failure');
      },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none', logLevel: 'silent' });
    const a = await connect(stack.url);
    a.ws.close(1000);
    await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    const b = await connect(stack.url);
    b.ws.send('after');
    await rec.waitFor((e) => e.body === 'after');
    b.ws.close();
  });
});
