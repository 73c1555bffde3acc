/**
 * The edges of lambda/runtime/error-answer.ts: an error from the app's own
 * AWS SDK client is internal when it carries either `$metadata` or `$fault`
 * alone (never its message on the wire); a Management API call that did not
 * get through is worth retrying whatever its cause; and looking through an
 * internal error's causes survives a null cause, a cycle, and still finds a
 * retryable cause five wrappers deep.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { DeliveryFailedError } from '../../../lambda/delivery/delivery-failed.js';
import { errorAnswer, markInternal } from '../../../lambda/runtime/error-answer.js';
import { createHarness, messageEvent } from '../support/harness.js';

const INTERNAL = /^internal error \(id [0-9a-f]{12}\)$/;
const TRY_AGAIN = /^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/;

/** A peer whose app throws `error` from every request, as app code that lets an error through does. */
async function answerTo(error: unknown) {
  const app: App = {
    onRequest: () => {
      throw error;
    },
  };
  const h = createHarness(app);
  h.givenConnection('c1', 'room1', 'alice');
  h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1', enrolled: false }]);
  await h.handlers.message(messageEvent('c1', { request: true, id: 1, method: 'x', data: {} }));
  return h.postedTo('c1')[0];
}

describe('an error from the app’s own AWS SDK client', () => {
  it('is internal when it carries only $metadata (as the SDK’s retry layer adds it)', async () => {
    const error = Object.assign(new Error('User arn:aws:iam::123456789012:role/app is not authorized to perform s3:GetObject'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });
    const answer = await answerTo(error);
    expect(answer).toEqual({ response: true, id: 1, ok: false, errorCode: 500, errorReason: expect.stringMatching(INTERNAL) });
  });

  it('is internal when it carries only $fault', async () => {
    const error = Object.assign(new Error('arn:aws:sqs:us-east-1:123456789012:queue does not exist'), { name: 'QueueDoesNotExist', $fault: 'client' });
    const answer = await answerTo(error);
    expect(answer).toEqual({ response: true, id: 1, ok: false, errorCode: 500, errorReason: expect.stringMatching(INTERNAL) });
  });
});

describe('a Management API call that did not get through', () => {
  it('is a 503 even when its cause is not retryable on its own (the endpoint’s name did not resolve)', async () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND abc123.execute-api.us-east-1.amazonaws.com'), { code: 'ENOTFOUND', $metadata: { attempts: 3 } });
    const answer = await answerTo(new DeliveryFailedError('c-target', dns));
    expect(answer).toMatchObject({ errorCode: 503, errorReason: expect.stringMatching(TRY_AGAIN) });
  });
});

describe('looking through the causes of an internal error', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const wrapped = (cause: unknown, times: number): Error => (times === 0 ? (cause as Error) : wrapped(new Error('wrapper', { cause }), times - 1));

  it('answers 500 for an internal error without a cause, with a null cause, or with a string cause', () => {
    for (const error of [new Error('no cause'), new Error('null cause', { cause: null }), new Error('string cause', { cause: 'ECONNRESET' })]) {
      expect(errorAnswer(markInternal(error))).toMatchObject({ code: 500, reason: expect.stringMatching(INTERNAL), source: 'internal' });
    }
  });

  it('answers 500 for causes that form a cycle, instead of looping', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(errorAnswer(markInternal(a))).toMatchObject({ code: 500, reason: expect.stringMatching(INTERNAL), source: 'internal' });
  });

  it('finds a retryable cause five wrappers deep: 503', () => {
    expect(errorAnswer(markInternal(wrapped(throttled(), 5)))).toMatchObject({ code: 503, reason: expect.stringMatching(TRY_AGAIN), source: 'internal' });
  });
});
