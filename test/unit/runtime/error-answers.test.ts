/**
 * What a client is told when a request fails (lambda/runtime/error-answer.ts):
 * its own unstorable data is a 400 with nothing written; an error from the
 * AWS SDK or the runtime — even one that merely propagated through app
 * code — is "internal error (id …)" or 503 "try again (id …)", never its
 * message, and the id is logged with the error; app errors keep their message.
 */
import {
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { DeliveryFailedError } from '../../../lambda/delivery/delivery-failed.js';
import { markInternal } from '../../../lambda/runtime/error-answer.js';
import { StaleDataError, StaleRosterEntryError } from '../../../lambda/store/errors.js';
import { connectionKey, peerKey } from '../../../lambda/store/keys.js';
import { connectEvent, createHarness, messageEvent } from '../support/harness.js';

/** Reads or writes the caller's data, letting every error through as app code usually does. */
const dataApp: App = {
  async onRequest({ method, data }, { peer, accept }) {
    if (method === 'set') {
      await peer.setData(data);
      return accept();
    }
    if (method === 'get') return accept(await peer.getData());
    if (method === 'wrap') {
      try {
        await peer.getData();
      } catch {
        throw new Error('your data is unavailable');
      }
    }
    if (method === 'marked') throw markInternal(new Error('secret detail'));
  },
};

const validation = () =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
  });
const throttled = () => new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput' });
const serverFault = () => new InternalServerError({ $metadata: { httpStatusCode: 500 }, message: 'Internal server error (node 17)' });
const networkError = () => Object.assign(new Error('read ECONNRESET 10.0.0.1:443'), { code: 'ECONNRESET', $metadata: { attempts: 3 } });

function harnessWithPeer(app: App = dataApp) {
  const h = createHarness(app);
  h.givenConnection('c1', 'room1', 'alice');
  h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1', data: { name: 'A' }, enrolled: false }]);
  return h;
}

const request = (id: number, method: string, data: object = {}) => messageEvent('c1', { request: true, id, method, data });

describe('client data the store cannot hold is the client’s 400, with nothing written', () => {
  it.each([
    ['a number too large to store exactly', { n: 1e200 }, /1e\+200/],
    ['an unsafe integer', { n: 2 ** 53 }, /9007199254740992/],
    ['an underflowing number', { deep: { n: 1e-200 } }, /data\.deep\.n: 1e-200/],
    ['nesting over 32 levels', JSON.parse('{"a":'.repeat(32) + '1' + '}'.repeat(32)), /nested deeper than DynamoDB's 32 levels/],
    ['an empty key', { '': 1 }, /empty key/],
  ])('answers %s with 400 naming the problem', async (_name, data, reason) => {
    const h = harnessWithPeer();
    await h.handlers.message(request(1, 'set', data));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 1, ok: false, errorCode: 400, errorReason: expect.stringMatching(reason) }]);
    expect(h.inputs(UpdateCommand).filter((input) => input.Key?.sk === peerKey('room1', 'alice').sk)).toEqual([]);
  });

  it('stores a constructor key, handing the document client a map it marshals as such', async () => {
    const h = harnessWithPeer();
    await h.handlers.message(request(1, 'set', { constructor: { name: 'String' } }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 1, ok: true, data: {} }]);
    const [update] = h.inputs(UpdateCommand).filter((input) => input.Key?.sk === peerKey('room1', 'alice').sk);
    expect(update.ExpressionAttributeValues[':data']).toEqual(new Map([['constructor', { name: 'String' }]]));
  });
});

describe('errors from the AWS SDK are internal: an id on the wire, the error in the log', () => {
  it.each([
    ['a client-fault SDK error (ValidationException)', validation, 500, /^internal error \(id [0-9a-f]{12}\)$/],
    ['throttling', throttled, 503, /^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/],
    ['a DynamoDB 5xx', serverFault, 503, /^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/],
    ['a dropped connection after the SDK retries', networkError, 503, /^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/],
  ])('%s that propagates through app code', async (_name, error, code, reason) => {
    const h = harnessWithPeer();
    const thrown = error();
    h.dynamo.on(GetCommand, { Key: peerKey('room1', 'alice') }).rejects(thrown);
    await h.handlers.message(request(4, 'get'));

    const [answer] = h.postedTo('c1');
    expect(answer).toEqual({ response: true, id: 4, ok: false, errorCode: code, errorReason: expect.stringMatching(reason) });
    expect(answer.errorReason).not.toContain(thrown.message);
    const errorId = /id ([0-9a-f]+)/.exec(answer.errorReason)![1];
    expect(h.logs.find((line) => line.errorId === errorId)).toMatchObject({ level: 'error', requestId: 4, error: thrown.message });
  });

  it('gives every failure its own id', async () => {
    const h = harnessWithPeer();
    h.dynamo.on(GetCommand, { Key: peerKey('room1', 'alice') }).rejects(validation());
    await h.handlers.message(request(1, 'get'));
    await h.handlers.message(request(2, 'get'));
    const [first, second] = h.postedTo('c1').map((answer) => answer.errorReason);
    expect(first).not.toBe(second);
  });

  it('treats an error the runtime marked as internal', async () => {
    const h = harnessWithPeer();
    await h.handlers.message(request(1, 'marked'));
    expect(h.postedTo('c1')[0]).toMatchObject({ errorCode: 500, errorReason: expect.stringMatching(/^internal error \(id /) });
  });

  it('keeps the message of an error the app throws itself, even after catching an SDK error', async () => {
    const h = harnessWithPeer();
    h.dynamo.on(GetCommand, { Key: peerKey('room1', 'alice') }).rejects(validation());
    await h.handlers.message(request(1, 'wrap'));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 1, ok: false, errorCode: 500, errorReason: 'your data is unavailable' }]);
  });
});

describe('failures outside the app handler', () => {
  it('answers a request whose identity cannot be read with 503 and an id, not silence', async () => {
    const h = createHarness(dataApp);
    h.dynamo.on(GetCommand, { Key: connectionKey('c1') }).rejects(throttled());
    const result = await h.handlers.message(request(8, 'get'));
    expect(result).toEqual({ statusCode: 200 });
    const [answer] = h.postedTo('c1');
    expect(answer).toEqual({ response: true, id: 8, ok: false, errorCode: 503, errorReason: expect.stringMatching(/^temporarily unavailable, try again \(id /) });
    const errorId = /id ([0-9a-f]+)/.exec(answer.errorReason)![1];
    expect(h.logs.find((line) => line.level === 'error')).toMatchObject({ route: '$default', outcome: 'failed', errorId });
  });

  it('posts nothing for a notification whose handling failed: there is no id to answer', async () => {
    const h = createHarness(dataApp);
    h.dynamo.on(GetCommand, { Key: connectionKey('c1') }).rejects(throttled());
    await h.handlers.message(messageEvent('c1', { notification: true, method: 'n', data: {} }));
    expect(h.posted()).toEqual([]);
  });

  it('refuses a handshake that hit an SDK error with its code and an id, not the SDK text', async () => {
    const h = createHarness(dataApp);
    h.dynamo.onAnyCommand().rejects(validation());
    const result = await h.handlers.connect(connectEvent('c1', { roomId: 'room1', peerId: 'alice' }));
    expect(result).toEqual({ statusCode: 500, body: expect.stringMatching(/^internal error \(id [0-9a-f]{12}\)$/) });
  });
});

describe('store errors an app lets through are internal: their text names connections', () => {
  it.each([
    ['StaleDataError', () => new StaleDataError('peer alice is no longer bound to connection c1')],
    ['StaleRosterEntryError', () => new StaleRosterEntryError('c-old')],
  ])('%s', async (_name, error) => {
    const h = harnessWithPeer({ onRequest: () => { throw error(); } });
    await h.handlers.message(request(1, 'x'));
    expect(h.postedTo('c1')[0]).toMatchObject({ errorCode: 500, errorReason: expect.stringMatching(/^internal error \(id [0-9a-f]{12}\)$/) });
  });
});

describe('a Management API call that did not get through', () => {
  it('is a 503 with an id even when it propagates through app code, never its text (it names the connection)', async () => {
    const timeout = Object.assign(new Error('socket did not connect within 1000 ms'), { name: 'TimeoutError', $metadata: { attempts: 2 } });
    const h = harnessWithPeer({ onRequest: () => { throw new DeliveryFailedError('c-target', timeout); } });
    await h.handlers.message(request(1, 'x'));
    const [answer] = h.postedTo('c1');
    expect(answer).toMatchObject({ errorCode: 503, errorReason: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/) });
    expect(answer.errorReason).not.toContain('c-target');
  });
});
