import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ProtooError } from '../../../lambda/app/errors.js';
import type { App } from '../../../lambda/app/types.js';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { connectionKey } from '../../../lambda/store/keys.js';
import { connectEvent, createHarness, messageEvent } from '../support/harness.js';

const echoApp: App = {
  onRequest: ({ method, data }, { accept }) => accept({ method, data }),
};

function connectedHarness(app: App) {
  const h = createHarness(app);
  h.givenConnection('c1', 'room1', 'alice');
  return h;
}

describe('$default: bad input is dropped or answered, never fatal', () => {
  it.each([
    ['null', 'null'],
    ['an array', '[{"request":true,"id":1,"method":"join"}]'],
    ['a number', '42'],
    ['a string', '"hello"'],
    ['broken JSON', '{"request": true,'],
    ['an empty body', ''],
    ['a request without an id', '{"request":true,"method":"join","data":{}}'],
    ['a request with a string id', '{"request":true,"id":"7","method":"join","data":{}}'],
    ['an object of no known kind', '{"hello":"world"}'],
    ['a notification without a method', '{"notification":true,"data":{}}'],
  ])('drops %s and logs it, posting nothing', async (_name, body) => {
    const h = connectedHarness(roomRelay);
    const result = await h.handlers.message(messageEvent('c1', body));
    expect(result).toEqual({ statusCode: 200 });
    expect(h.posted()).toEqual([]);
    expect(h.logs.find((line) => line.message === 'dropped junk message')).toMatchObject({ level: 'warn', connectionId: 'c1' });
    expect(h.logs.find((line) => line.message === 'message')).toMatchObject({ outcome: 'junk' });
  });

  it.each([
    ['a numeric method', { request: true, id: 5, method: 12, data: {} }],
    ['an empty method', { request: true, id: 5, method: '', data: {} }],
    ['array data', { request: true, id: 5, method: 'join', data: [] }],
    ['null data', { request: true, id: 5, method: 'join', data: null }],
    ['string data', { request: true, id: 5, method: 'join', data: 'x' }],
  ])('answers a request with a usable id but %s with 400', async (_name, body) => {
    const h = connectedHarness(roomRelay);
    await h.handlers.message(messageEvent('c1', body));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 5, ok: false, errorCode: 400, errorReason: expect.any(String) }]);
  });

  it('treats missing data as {}', async () => {
    const h = connectedHarness(echoApp);
    await h.handlers.message(messageEvent('c1', { request: true, id: 9, method: 'ping' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 9, ok: true, data: { method: 'ping', data: {} } }]);
  });

  it('answers an unknown method of the relay with 404', async () => {
    const h = connectedHarness(roomRelay);
    await h.handlers.message(messageEvent('c1', { request: true, id: 3, method: 'fly', data: {} }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 3, ok: false, errorCode: 404, errorReason: 'unknown method "fly"' }]);
  });

  it('answers 404 to every request when the app has no onRequest', async () => {
    const h = connectedHarness({});
    await h.handlers.message(messageEvent('c1', { request: true, id: 3, method: 'x' }));
    expect(h.postedTo('c1')[0]).toMatchObject({ id: 3, ok: false, errorCode: 404 });
  });

  it('keeps __proto__ in client data from polluting anything', async () => {
    const h = connectedHarness(echoApp);
    await h.handlers.message(messageEvent('c1', '{"request":true,"id":1,"method":"m","data":{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true}}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [answer] = h.postedTo('c1');
    expect(answer).toEqual({ response: true, id: 1, ok: true, data: { method: 'm', data: { a: {} } } });
    expect(Object.getPrototypeOf(answer.data.data.a)).toBe(Object.prototype);
  });

  it('ignores a response that matches no pending request', async () => {
    const h = connectedHarness(roomRelay);
    await h.handlers.message(messageEvent('c1', { response: true, id: 77, ok: true, data: {} }));
    expect(h.posted()).toEqual([]);
    expect(h.logs.find((line) => line.message === 'message')).toMatchObject({ outcome: 'unmatched-response' });
  });

  it('ignores notifications from clients in the relay', async () => {
    const h = connectedHarness(roomRelay);
    await h.handlers.message(messageEvent('c1', { notification: true, method: 'hello', data: {} }));
    expect(h.posted()).toEqual([]);
    expect(h.dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('tells a connection with no stored identity to reconnect, then closes it so protoo-client does', async () => {
    const h = createHarness(roomRelay);
    await h.handlers.message(messageEvent('c-unknown', { request: true, id: 4, method: 'getPeers' }));
    expect(h.postedTo('c-unknown')).toEqual([{ response: true, id: 4, ok: false, errorCode: 403, errorReason: 'unknown connection, reconnect' }]);
    expect(h.closedConnections()).toEqual(['c-unknown']);
  });
});

describe('$default: app handlers', () => {
  it('answers 500 with the message of an error the handler throws, as protoo-server does', async () => {
    const h = connectedHarness({ onRequest: () => { throw new Error('boom'); } });
    await h.handlers.message(messageEvent('c1', { request: true, id: 1, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 1, ok: false, errorCode: 500, errorReason: 'boom' }]);
  });

  it('answers with the code and reason of a thrown ProtooError', async () => {
    const h = connectedHarness({ onRequest: async () => { throw new ProtooError(418, 'teapot'); } });
    await h.handlers.message(messageEvent('c1', { request: true, id: 1, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 1, ok: false, errorCode: 418, errorReason: 'teapot' }]);
  });

  it('sends reject(code, reason) as an error response', async () => {
    const h = connectedHarness({ onRequest: (_r, { reject }) => reject(403, 'not allowed') });
    await h.handlers.message(messageEvent('c1', { request: true, id: 2, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 2, ok: false, errorCode: 403, errorReason: 'not allowed' }]);
  });

  it('answers 500 when the handler returns without answering, so the client never times out', async () => {
    const h = connectedHarness({ onRequest: () => {} });
    await h.handlers.message(messageEvent('c1', { request: true, id: 2, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 2, ok: false, errorCode: 500, errorReason: 'request not answered' }]);
  });

  it('keeps the first answer when a handler answers twice', async () => {
    const h = connectedHarness({ onRequest: async (_r, { accept, reject }) => { await accept({ n: 1 }); await reject(500, 'again'); } });
    await h.handlers.message(messageEvent('c1', { request: true, id: 2, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 2, ok: true, data: { n: 1 } }]);
  });

  it('waits for an accept the handler did not await', async () => {
    const h = connectedHarness({ onRequest: (_r, { accept }) => void accept({ late: true }) });
    await h.handlers.message(messageEvent('c1', { request: true, id: 2, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 2, ok: true, data: { late: true } }]);
  });

  it('answers 413 instead of failing silently when the response exceeds 128 KB', async () => {
    const h = connectedHarness({ onRequest: (_r, { accept }) => accept({ blob: 'x'.repeat(130 * 1024) }) });
    await h.handlers.message(messageEvent('c1', { request: true, id: 6, method: 'big' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 6, ok: false, errorCode: 413, errorReason: expect.stringContaining('131') }]);
  });

  it('posts to the Management API of the API that sent the event', async () => {
    const h = connectedHarness(echoApp);
    await h.handlers.message(messageEvent('c1', { request: true, id: 1, method: 'x' }));
    expect(h.endpoints).toEqual(['https://abc123.execute-api.us-east-1.amazonaws.com/prod']);
  });

  it('logs one structured line per message, with no payload', async () => {
    const h = connectedHarness(echoApp);
    await h.handlers.message(messageEvent('c1', { request: true, id: 1, method: 'secretive', data: { password: 'hunter2' } }));
    const line = h.logs.find((entry) => entry.message === 'message')!;
    expect(line).toMatchObject({ route: '$default', connectionId: 'c1', roomId: 'room1', peerId: 'alice', method: 'secretive', outcome: 'ok', durationMs: expect.any(Number) });
    expect(JSON.stringify(h.logs)).not.toContain('hunter2');
  });
});

describe('$default: identity costs no read on a warm Lambda', () => {
  it('reads the connection item once, then serves from the cache', async () => {
    const h = connectedHarness(echoApp);
    for (let id = 1; id <= 3; id++) await h.handlers.message(messageEvent('c1', { request: true, id, method: 'x' }));
    expect(h.postedTo('c1')).toHaveLength(3);
    expect(h.inputs(GetCommand).filter((input) => input.Key.pk === connectionKey('c1').pk)).toHaveLength(1);
  });

  it('knows a connection it accepted without any read', async () => {
    const h = createHarness(echoApp);
    await h.handlers.connect(connectEvent('c9', { roomId: 'r', peerId: 'p' }));
    h.dynamo.resetHistory();
    await h.handlers.message(messageEvent('c9', { request: true, id: 1, method: 'x' }));
    expect(h.dynamo.calls()).toHaveLength(0);
    expect(h.postedTo('c9')).toHaveLength(1);
  });

  it('takes the identity from the authorizer context with no read at all', async () => {
    const seen: string[] = [];
    const h = createHarness({ onRequest: ({ method }, { peer, accept }) => { seen.push(`${peer.roomId}/${peer.id}`); return accept({ method }); } });
    await h.handlers.message(messageEvent('c5', { request: true, id: 1, method: 'x' }, { roomId: 'r5', peerId: 'p5' }));
    expect(seen).toEqual(['r5/p5']);
    expect(h.dynamo.calls()).toHaveLength(0);
  });
});
