/**
 * The Management API, reached over HTTP with the real
 * @aws-sdk/client-apigatewaymanagementapi client at the endpoint built from
 * the event's domainName and stage, exactly as the runtime does.
 */
import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, endpointFromEvent, managementClient, recorder, sleep } from './helpers.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function errorOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('@connections', () => {
  it('POST delivers the raw body to the connection; GET describes it; both through the endpoint from the event', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url, 'protoo', { headers: { 'User-Agent': 'mgmt-test' } });
    const connectEvent = await rec.waitFor((e) => e.requestContext.routeKey === '$connect');
    const endpoint = endpointFromEvent(connectEvent);
    expect(endpoint).toBe(stack.managementEndpoint);
    const api = managementClient(endpoint);
    const id = connectEvent.requestContext.connectionId;

    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('{"notification":true,"method":"hi","data":{}}') }));
    expect(await client.next()).toBe('{"notification":true,"method":"hi","data":{}}');
    // Strings and non-JSON are sent as they are: the API does not interpret the body.
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'plain text, ünïcödé' }));
    expect(await client.next()).toBe('plain text, ünïcödé');

    const before = Date.now();
    await sleep(20);
    client.ws.send('activity');
    await rec.waitFor((e) => e.body === 'activity');
    const info = await api.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.ConnectedAt!.getTime()).toBe(connectEvent.requestContext.connectedAt);
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'mgmt-test' });
    client.ws.close();
    api.destroy();
  });

  it('a 100 KB POST arrives whole (split into frames of at most 32 KB); over 128 KB is PayloadTooLargeException', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const frames: number[] = [];
    const client = await connect(stack.url);
    // Observe frame sizes on the wire: ws's receiver learns each frame's length in haveLength().
    const receiver = (client.ws as any)._receiver;
    const original = receiver.haveLength.bind(receiver);
    receiver.haveLength = (cb: unknown) => {
      frames.push(receiver._payloadLength);
      return original(cb);
    };
    const id = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect')).requestContext.connectionId;
    const api = managementClient(stack.managementEndpoint);
    const big = 'x'.repeat(100 * 1024);
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: big }));
    expect(await client.next()).toBe(big);
    expect(frames.length).toBe(4);
    expect(Math.max(...frames)).toBeLessThanOrEqual(32 * 1024);

    const tooBig = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'y'.repeat(128 * 1024 + 1) })));
    expect(tooBig.name).toBe('PayloadTooLargeException');
    expect(tooBig.$metadata.httpStatusCode).toBe(413);
    // Exactly 128 KB is allowed.
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'z'.repeat(128 * 1024) }));
    expect((await client.next()).length).toBe(128 * 1024);
    client.ws.close();
    api.destroy();
  });

  it('unknown and closed ids answer 410 GoneException on POST, GET and DELETE', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const api = managementClient(stack.managementEndpoint);
    for (const command of [
      new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }),
      new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }),
      new DeleteConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }),
    ]) {
      const error = await errorOf(api.send(command as any));
      expect(error.name).toBe('GoneException');
      expect(error.$metadata.httpStatusCode).toBe(410);
      expect(error.$response?.headers?.['x-amzn-errortype']).toBe('GoneException');
    }

    const client = await connect(stack.url);
    const id = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect')).requestContext.connectionId;
    client.ws.close(1000);
    await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    const gone = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'late' })));
    expect(gone.name).toBe('GoneException');
    api.destroy();
  });

  it('posting, getting or deleting during $connect answers 410 (the connection is not established yet)', async () => {
    const seen: Record<string, string> = {};
    const rec = recorder({
      connect: async (event) => {
        const api = managementClient(endpointFromEvent(event));
        const ConnectionId = event.requestContext.connectionId;
        for (const [name, command] of [
          ['post', new PostToConnectionCommand({ ConnectionId, Data: 'too early' })],
          ['get', new GetConnectionCommand({ ConnectionId })],
          ['delete', new DeleteConnectionCommand({ ConnectionId })],
        ] as const) {
          try {
            await api.send(command as any);
            seen[name] = 'ok';
          } catch (error: any) {
            seen[name] = `${error.name} ${error.$metadata?.httpStatusCode}`;
          }
        }
        api.destroy();
        return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'protoo' } };
      },
    });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    expect(seen).toEqual({ post: 'GoneException 410', get: 'GoneException 410', delete: 'GoneException 410' });
    await sleep(50);
    expect(client.messages).toEqual([]);
    client.ws.close();
  });

  it('beforeHandshake holds an accepted connection in "connecting" (posts answer 410, no open) until it resolves; a rejection drops it without $disconnect', async () => {
    // The window between $connect returning 200 and the handshake completing: on AWS the
    // runtime can already see the connection (it bound it in $connect), but posts answer Gone.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const waiting: string[] = [];
    let dropNext = false;
    const rec = recorder();
    stack = await startLocalStack({
      handlers: rec.handlers,
      dynamodb: 'none',
      beforeHandshake: async (event) => {
        expect(event.requestContext.routeKey).toBe('$connect');
        if (dropNext) throw new Error('dropped by the test');
        waiting.push(event.requestContext.connectionId);
        await held;
      },
    });
    const api = managementClient(stack.managementEndpoint);
    let opened = false;
    const opening = connect(stack.url).then((c) => ((opened = true), c));
    for (let i = 0; i < 100 && waiting.length === 0; i++) await sleep(20);
    expect(waiting).toHaveLength(1);
    const ConnectionId = waiting[0]!;
    // $connect has returned: its event was recorded, the handshake is not done.
    expect(rec.events.map((e) => e.requestContext.routeKey)).toEqual(['$connect']);
    await sleep(200);
    expect(opened).toBe(false);
    expect(stack.connectionIds()).toEqual([]);
    const early = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId, Data: 'too early' })));
    expect([early.name, early.$metadata?.httpStatusCode]).toEqual(['GoneException', 410]);

    release();
    const client = await opening;
    expect(stack.connectionIds()).toEqual([ConnectionId]);
    await api.send(new PostToConnectionCommand({ ConnectionId, Data: 'now' }));
    expect(await client.next()).toBe('now');
    expect(client.messages).toEqual(['now']); // the early post was not queued

    dropNext = true;
    const dropped = await connect(stack.url).catch((e) => e);
    expect(dropped).toBeInstanceOf(Error);
    client.ws.close(1000);
    await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    await sleep(100);
    expect(rec.events.map((e) => e.requestContext.routeKey)).toEqual(['$connect', '$connect', '$disconnect']);
    expect(rec.events[2]!.requestContext.connectionId).toBe(ConnectionId);
    expect(stack.connectionIds()).toEqual([]);
    api.destroy();
  });

  it('DELETE closes the connection with 1000 and $disconnect follows', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    const id = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect')).requestContext.connectionId;
    const api = managementClient(stack.managementEndpoint);
    await api.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect((await client.closed).code).toBe(1000);
    const event = await rec.waitFor((e) => e.requestContext.routeKey === '$disconnect');
    expect(event.requestContext.connectionId).toBe(id);
    expect(event.requestContext.disconnectStatusCode).toBe(1000);
    // Once closing, the id is gone.
    expect((await errorOf(api.send(new GetConnectionCommand({ ConnectionId: id })))).name).toBe('GoneException');
    api.destroy();
  });

  it('an unsigned request is refused with 403 ForbiddenException', async () => {
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const client = await connect(stack.url);
    const id = (await rec.waitFor((e) => e.requestContext.routeKey === '$connect')).requestContext.connectionId;
    const res = await fetch(`${stack.managementEndpoint}/@connections/${encodeURIComponent(id)}`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    await sleep(50);
    expect(client.messages).toEqual([]);
    // The wrong stage is not the Management API of this API.
    const api = managementClient(`http://127.0.0.1:${stack.port}/other`);
    const wrongStage = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })));
    expect(wrongStage.$metadata.httpStatusCode).toBe(403);
    client.ws.close();
    api.destroy();
  });
});
