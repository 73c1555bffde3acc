/**
 * $default's less travelled paths, as a client and an operator see them:
 * binary frames, messages from a connection the server does not know,
 * handlers that throw odd values or answer and then throw, and the reason
 * logged for each kind of junk.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { parseMessage } from '../../../lambda/protocol/parse-message.js';
import { createHarness, messageEvent } from '../support/harness.js';

function connected(app: App) {
  const h = createHarness(app);
  h.givenConnection('c1', 'room1', 'alice');
  return h;
}

const outcome = (h: ReturnType<typeof createHarness>) => h.logs.findLast((line) => line.message === 'message');

describe('frames that are not text', () => {
  it('drops a binary frame as junk, even when its bytes would be a valid request', async () => {
    const heard: string[] = [];
    const h = connected({ onRequest: ({ method }, { accept }) => (heard.push(method), accept()) });
    const event = messageEvent('c1', { request: true, id: 1, method: 'm' });
    await h.handlers.message({ ...event, isBase64Encoded: true });
    expect(heard).toEqual([]);
    expect(h.posted()).toEqual([]);
    expect(h.dynamo.calls()).toHaveLength(0);
    expect(outcome(h)).toMatchObject({ outcome: 'junk' });
    expect(h.logs.find((line) => line.message === 'dropped junk message')).toMatchObject({ reason: 'empty body' });
  });
});

describe('a connection the server does not know', () => {
  it('answers an invalid request 403 on its id, then closes the connection', async () => {
    const h = createHarness({});
    await h.handlers.message(messageEvent('c-unknown', { request: true, id: 12 }));
    expect(h.postedTo('c-unknown')).toEqual([{ response: true, id: 12, ok: false, errorCode: 403, errorReason: 'unknown connection, reconnect' }]);
    expect(h.closedConnections()).toEqual(['c-unknown']);
    expect(outcome(h)).toMatchObject({ outcome: 'unknown-connection' });
  });

  it.each([
    ['a notification', { notification: true, method: 'hi', data: {} }],
    ['a response', { response: true, id: 3, ok: true, data: {} }],
  ])('answers nothing to %s (there is nothing to answer), and closes the connection', async (_name, body) => {
    const heard: string[] = [];
    const h = createHarness({ onNotification: ({ method }) => void heard.push(method), onResponse: () => void heard.push('response') });
    await h.handlers.message(messageEvent('c-unknown', body));
    expect(h.posted()).toEqual([]);
    expect(heard).toEqual([]);
    expect(h.closedConnections()).toEqual(['c-unknown']);
    expect(outcome(h)).toMatchObject({ outcome: 'unknown-connection' });
  });
});

describe('request handlers that fail oddly', () => {
  it.each([
    ['undefined', undefined, 'handler threw'],
    ['null', null, 'handler threw'],
    ['a string', 'nope', 'nope'],
  ])('answers 500 when the handler throws %s', async (_name, thrown, reason) => {
    const h = connected({
      onRequest: () => {
        throw thrown;
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 4, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 4, ok: false, errorCode: 500, errorReason: reason }]);
    expect(h.logs.find((line) => line.message === 'request handler threw')).toMatchObject({ level: 'warn', peerId: 'alice', requestId: 4, errorCode: 500 });
    expect(outcome(h)).toMatchObject({ outcome: 'error:500', method: 'x' });
  });

  it('keeps an answer already sent when the handler throws afterwards', async () => {
    const h = connected({
      onRequest: async (_request, { accept }) => {
        await accept({ done: true });
        throw new Error('after the fact');
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 5, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 5, ok: true, data: { done: true } }]);
    expect(outcome(h)).toMatchObject({ outcome: 'ok' });
  });

  it('answers with the error when the handler deferred and then threw, instead of leaving the client waiting', async () => {
    const h = connected({
      onRequest: async (_request, { defer }) => {
        defer();
        throw new Error('gave up');
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 6, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 6, ok: false, errorCode: 500, errorReason: 'gave up' }]);
    expect(outcome(h)).toMatchObject({ outcome: 'error:500' });
  });

  it('sends nothing for a deferred request the handler left unanswered, and says so in the log', async () => {
    const handles: unknown[] = [];
    const h = connected({ onRequest: (_request, { defer }) => void handles.push(defer()) });
    await h.handlers.message(messageEvent('c1', { request: true, id: 7, method: 'later' }));
    expect(h.posted()).toEqual([]);
    expect(handles).toEqual([{ connectionId: 'c1', requestId: 7 }]);
    expect(outcome(h)).toMatchObject({ outcome: 'deferred', method: 'later' });
  });

  it('keeps a request answered once it has been answered: a later defer changes nothing', async () => {
    const h = connected({
      onRequest: async (_request, { accept, defer }) => {
        await accept();
        defer();
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 8, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 8, ok: true, data: {} }]);
    expect(outcome(h)).toMatchObject({ outcome: 'ok' });
  });

  it('logs a handler that returned without answering, with who and which request', async () => {
    const h = connected({ onRequest: () => {} });
    await h.handlers.message(messageEvent('c1', { request: true, id: 9, method: 'x' }));
    expect(h.logs.find((line) => line.message === 'request handler returned without answering')).toMatchObject({ level: 'warn', connectionId: 'c1', roomId: 'room1', peerId: 'alice', requestId: 9 });
    expect(outcome(h)).toMatchObject({ outcome: 'error:500' });
  });

  it('logs a second answer as ignored', async () => {
    const h = connected({ onRequest: async (_request, { accept, reject }) => { await accept(); await reject(400, 'x'); } });
    await h.handlers.message(messageEvent('c1', { request: true, id: 10, method: 'x' }));
    expect(h.logs.find((line) => line.message === 'request answered twice; keeping the first answer')).toMatchObject({ level: 'warn', peerId: 'alice', requestId: 10 });
  });

  it('answers reject(code) without a reason with an empty reason', async () => {
    const h = connected({ onRequest: (_request, { reject }) => reject(409) });
    await h.handlers.message(messageEvent('c1', { request: true, id: 11, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 11, ok: false, errorCode: 409, errorReason: '' }]);
  });

  it('answers accept() without data with {}', async () => {
    const h = connected({ onRequest: (_request, { accept }) => accept() });
    await h.handlers.message(messageEvent('c1', { request: true, id: 12, method: 'x' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 12, ok: true, data: {} }]);
  });
});

describe('why a message is junk, as the log says', () => {
  it.each([
    ['', 'empty body'],
    ['{', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"method":"m","id":1}', 'neither request, response nor notification'],
    ['{"request":"true","id":1,"method":"m"}', 'neither request, response nor notification'],
    ['{"request":true,"method":"m"}', 'request without a numeric id'],
    ['{"request":true,"id":1e999,"method":"m"}', 'request without a numeric id'],
    ['{"response":true,"id":"1","ok":true}', 'response without a numeric id'],
    ['{"response":true,"id":-1e999,"ok":true}', 'response without a numeric id'],
    ['{"notification":true,"data":{}}', 'notification without a method'],
    ['{"notification":true,"method":"","data":{}}', 'notification without a method'],
    ['{"notification":true,"method":"m","data":[]}', 'notification data must be an object'],
    ['{"notification":true,"method":"m","data":"s"}', 'notification data must be an object'],
    ['{"notification":true,"method":"m","data":null}', 'notification data must be an object'],
  ])('%s: %s', async (body, reason) => {
    expect(parseMessage(body)).toEqual({ kind: 'junk', reason });
    const h = connected({});
    await h.handlers.message(messageEvent('c1', body));
    expect(h.logs.find((line) => line.message === 'dropped junk message')).toEqual({ level: 'warn', message: 'dropped junk message', connectionId: 'c1', reason });
  });

  it('takes a notification with explicit data as it is, and without data as {}', () => {
    expect(parseMessage('{"notification":true,"method":"m","data":{"a":1}}')).toEqual({ kind: 'notification', message: { notification: true, method: 'm', data: { a: 1 } } });
    expect(parseMessage('{"notification":true,"method":"m"}')).toEqual({ kind: 'notification', message: { notification: true, method: 'm', data: {} } });
  });

  it('takes a request flag before the others, and a response flag before notification', () => {
    expect(parseMessage('{"request":true,"response":true,"notification":true,"id":1,"method":"m"}')).toMatchObject({ kind: 'request' });
    expect(parseMessage('{"response":true,"notification":true,"id":1,"ok":true,"method":"m"}')).toMatchObject({ kind: 'response' });
  });
});
