import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../lambda/protocol/encode.js';
import { createNotification } from '../../../lambda/protocol/messages.js';
import { ConnectionSender } from '../../../lambda/delivery/connection-sender.js';
import { DeliveryFailedError, isDeliveryFailure } from '../../../lambda/delivery/delivery-failed.js';
import { settleWithConcurrency } from '../../../lambda/delivery/bounded-map.js';
import { isGoneError } from '../../../lambda/delivery/is-gone.js';
import { managementEndpoint } from '../../../lambda/delivery/management-endpoint.js';
import { createIdentityCache } from '../../../lambda/runtime/identity-cache.js';

describe('managementEndpoint', () => {
  it('follows the domain and stage of the event (custom domains work)', () => {
    expect(managementEndpoint({ domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'prod' }, undefined)).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod');
    expect(managementEndpoint({ domainName: 'ws.example.com', stage: 'live' }, undefined)).toBe('https://ws.example.com/live');
  });

  it('lets configuration win, without a trailing slash', () => {
    expect(managementEndpoint({ domainName: 'x', stage: 'y' }, 'https://signal.example.com/')).toBe('https://signal.example.com');
  });

  it('speaks http to a loopback local stack', () => {
    expect(managementEndpoint({ domainName: '127.0.0.1:8080', stage: 'local' }, undefined)).toBe('http://127.0.0.1:8080/local');
    expect(managementEndpoint({ domainName: 'localhost:9000', stage: 'dev' }, undefined)).toBe('http://localhost:9000/dev');
    expect(managementEndpoint({ domainName: '[::1]:9000', stage: 'dev' }, undefined)).toBe('http://[::1]:9000/dev');
  });

  it('fails loudly without a domain or configuration', () => {
    expect(() => managementEndpoint({}, undefined)).toThrow(/MANAGEMENT_API_ENDPOINT/);
  });
});

describe('isGoneError', () => {
  it('recognises GoneException by name or by status 410 only', () => {
    expect(isGoneError({ name: 'GoneException' })).toBe(true);
    expect(isGoneError({ name: 'Error', $metadata: { httpStatusCode: 410 } })).toBe(true);
    expect(isGoneError({ name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isGoneError(null)).toBe(false);
  });
});

describe('settleWithConcurrency', () => {
  it('runs every task despite failures and keeps results in order', async () => {
    const results = await settleWithConcurrency([1, 2, 3, 4], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n * 10;
    });
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([10, 'two', 30, 40]);
  });

  it('handles no items', async () => {
    expect(await settleWithConcurrency([], 4, async () => 1)).toEqual([]);
  });
});

describe('identity cache', () => {
  it('evicts the oldest entry past its bound', () => {
    const cache = createIdentityCache(2);
    for (const connectionId of ['a', 'b', 'c']) cache.set({ connectionId, roomId: 'r', peerId: connectionId });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')?.peerId).toBe('c');
  });
});

describe('ConnectionSender', () => {
  function sender() {
    const client = new ApiGatewayManagementApiClient({ region: 'us-east-1', endpoint: 'https://x.test/s', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    return { api: mockClient(client), sender: new ConnectionSender(client) };
  }
  const gone = () => Object.assign(new Error('gone'), { name: 'GoneException' });

  it('posts the JSON text and reports sent or gone', async () => {
    const { api, sender: s } = sender();
    api.on(PostToConnectionCommand, { ConnectionId: 'dead' }).rejects(gone());
    expect(await s.post('live', encode(createNotification('a', { n: 1 })))).toBe('sent');
    expect(await s.post('dead', encode(createNotification('a', { n: 1 })))).toBe('gone');
    expect(new TextDecoder().decode(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data as Uint8Array)).toBe('{"notification":true,"method":"a","data":{"n":1}}');
  });

  it('rethrows errors that are not Gone', async () => {
    const { api, sender: s } = sender();
    api.on(PostToConnectionCommand).rejects(Object.assign(new Error('nope'), { name: 'ForbiddenException' }));
    await expect(s.post('c', encode(createNotification('hi')))).rejects.toThrow('nope');
  });

  it('throws DeliveryFailedError (not gone) for what is left of a timeout, a network error, a 5xx or a 429', async () => {
    const { api, sender: s } = sender();
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    api.on(PostToConnectionCommand, { ConnectionId: 'slow' }).rejects(timeout);
    api.on(PostToConnectionCommand, { ConnectionId: 'full' }).rejects(Object.assign(new Error('full'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } }));
    api.on(PostToConnectionCommand, { ConnectionId: 'reset' }).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    api.on(PostToConnectionCommand, { ConnectionId: 'broken' }).rejects(Object.assign(new Error('oops'), { $metadata: { httpStatusCode: 502 } }));
    for (const id of ['slow', 'full', 'reset', 'broken']) {
      const failure = await s.post(id, encode(createNotification('hi'))).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DeliveryFailedError);
      expect((failure as DeliveryFailedError).connectionId).toBe(id);
    }
    expect(((await s.post('slow', encode(createNotification('hi'))).catch((e: unknown) => e)) as DeliveryFailedError).cause).toBe(timeout);
  });

  it('tells delivery failures from bugs', () => {
    expect(isDeliveryFailure({ name: 'TimeoutError' })).toBe(true);
    expect(isDeliveryFailure({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isDeliveryFailure({ name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isDeliveryFailure({ name: 'GoneException', $metadata: { httpStatusCode: 410 } })).toBe(false);
    expect(isDeliveryFailure(new TypeError('x is not a function'))).toBe(false);
    expect(isDeliveryFailure(null)).toBe(false);
  });


  it('treats closing a Gone connection as done, and other failures as errors', async () => {
    const { api, sender: s } = sender();
    api.on(DeleteConnectionCommand, { ConnectionId: 'dead' }).rejects(gone());
    api.on(DeleteConnectionCommand, { ConnectionId: 'forbidden' }).rejects(new Error('denied'));
    await expect(s.close('dead')).resolves.toBeUndefined();
    await expect(s.close('forbidden')).rejects.toThrow('denied');
    api.on(DeleteConnectionCommand, { ConnectionId: 'slow' }).rejects(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    await expect(s.close('slow')).rejects.toBeInstanceOf(DeliveryFailedError);
  });
});
