/**
 * What a refused $connect tells the client (status and body) and the
 * operator (the `connect` log line's outcome): a missing subprotocol, a bad
 * id, the app's own rejection (with or without a code and reason), an app
 * that decided nothing, and a bind that failed for a reason other than a
 * contested peerId — which must not be mistaken for one (429).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBServiceException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { peerKey } from '../../../lambda/store/keys.js';
import { connectEvent, createHarness, type Harness } from '../support/harness.js';

const query = { roomId: 'room1', peerId: 'alice' };
const connectLine = (h: Harness) => h.logs.find((line) => line.message === 'connect');

describe('handshakes refused before the app is asked', () => {
  it('tells a client without the protoo subprotocol what to send', async () => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c1', query, { 'Sec-WebSocket-Protocol': 'chat' }));
    expect(result).toEqual({ statusCode: 403, body: 'the protoo subprotocol is required (Sec-WebSocket-Protocol: protoo)' });
    expect(connectLine(h)).toMatchObject({ outcome: 'no-subprotocol', connectionId: 'c1' });
  });

  it('tells a client with a bad id which ids are allowed', async () => {
    const h = createHarness(roomRelay);
    const result = await h.handlers.connect(connectEvent('c1', { roomId: 'room1', peerId: 'a b' }));
    expect(result).toEqual({ statusCode: 400, body: 'roomId and peerId must match [A-Za-z0-9_.~-]{1,64}' });
    expect(connectLine(h)).toMatchObject({ outcome: 'invalid-id', connectionId: 'c1' });
  });
});

describe('the app’s decision', () => {
  it('a bare reject() is a 403 "rejected"', async () => {
    const h = createHarness({ onConnectionRequest: (_request, { reject }) => reject() });
    expect(await h.handlers.connect(connectEvent('c1', query))).toEqual({ statusCode: 403, body: 'rejected' });
    expect(connectLine(h)).toMatchObject({ outcome: 'rejected:403', roomId: 'room1', peerId: 'alice' });
  });

  it('a rejection logs its code in the outcome', async () => {
    const h = createHarness({ onConnectionRequest: (_request, { reject }) => reject(401, 'who are you') });
    expect(await h.handlers.connect(connectEvent('c1', query))).toEqual({ statusCode: 401, body: 'who are you' });
    expect(connectLine(h)).toMatchObject({ outcome: 'rejected:401', roomId: 'room1', peerId: 'alice' });
  });

  it('an app that neither accepts nor rejects: the client gets an internal error, the log says what the app failed to do', async () => {
    const h = createHarness({ onConnectionRequest: () => {} });
    const result = await h.handlers.connect(connectEvent('c1', query));
    expect(result).toEqual({ statusCode: 500, body: expect.stringMatching(/^internal error \(id [0-9a-f]{12}\)$/) });
    expect(h.logs.find((line) => line.level === 'error')).toMatchObject({
      message: 'connect',
      outcome: 'failed',
      error: 'onConnectionRequest returned without calling accept() or reject()',
    });
  });
});

describe('a bind that fails for another reason than a contested peerId', () => {
  const peerPut = { Item: { ...peerKey('room1', 'alice') } };

  it.each([
    [
      'throttled: 503, try again',
      () => new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput' }),
      { statusCode: 503, body: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/) },
    ],
    [
      'a validation error: 500',
      () => new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'invalid' }),
      { statusCode: 500, body: expect.stringMatching(/^internal error \(id [0-9a-f]{12}\)$/) },
    ],
  ])('is not answered 429 contested: %s', async (_name, error, expected) => {
    const h = createHarness(roomRelay);
    h.dynamo.on(PutCommand, peerPut).rejects(error());
    expect(await h.handlers.connect(connectEvent('c-new', query))).toEqual(expected);
    expect(h.logs.find((line) => line.level === 'error')).toMatchObject({ message: 'connect', outcome: 'failed' });
  });
});
