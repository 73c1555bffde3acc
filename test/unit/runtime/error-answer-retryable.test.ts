/**
 * Which internal errors lambda/runtime/error-answer.ts answers 503 "try
 * again" rather than 500: each retry signal of an AWS SDK error counts on its
 * own ($retryable, $fault 'server', an HTTP 5xx from 500 up, 429); a client
 * fault or a 4xx does not; a retryable cause six wrappers deep is too deep to
 * count; and a port that throws synchronously still has its error marked
 * internal.
 */
import { describe, expect, it } from 'vitest';
import { errorAnswer, markInternal, markingErrors } from '../../../lambda/runtime/error-answer.js';

const INTERNAL = /^internal error \(id [0-9a-f]{12}\)$/;
const TRY_AGAIN = /^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/;

const sdkError = (fields: Record<string, unknown>) => Object.assign(new Error('sdk said no'), { name: 'SomeServiceError' }, fields);

describe('an internal error with one retry signal is answered 503', () => {
  it.each([
    ['$retryable', { $retryable: { throttling: false } }],
    ["$fault 'server'", { $fault: 'server' }],
    ['HTTP 500', { $metadata: { httpStatusCode: 500 } }],
    ['HTTP 429', { $metadata: { httpStatusCode: 429 } }],
  ])('%s', (_name, fields) => {
    expect(errorAnswer(markInternal(sdkError(fields)))).toMatchObject({ code: 503, reason: expect.stringMatching(TRY_AGAIN), source: 'internal' });
  });
});

describe('an internal error without a retry signal is answered 500', () => {
  it.each([
    ["$fault 'client'", { $fault: 'client' }],
    ['HTTP 499', { $metadata: { httpStatusCode: 499 } }],
    ['$retryable undefined', { $retryable: undefined }],
  ])('%s', (_name, fields) => {
    expect(errorAnswer(markInternal(sdkError(fields)))).toMatchObject({ code: 500, reason: expect.stringMatching(INTERNAL), source: 'internal' });
  });

  it('a throttling cause six wrappers deep is not looked at', () => {
    let error: Error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    for (let i = 0; i < 6; i++) error = new Error('wrapper', { cause: error });
    expect(errorAnswer(markInternal(error))).toMatchObject({ code: 500, reason: expect.stringMatching(INTERNAL) });
  });
});

describe('a port wrapped by markingErrors', () => {
  it('that throws synchronously still throws, and its error is internal', () => {
    const port = markingErrors({
      get(): never {
        throw new TypeError("Cannot read properties of undefined (reading 'connectionId')");
      },
    });
    let thrown: unknown;
    try {
      port.get();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(errorAnswer(thrown)).toMatchObject({ code: 500, reason: expect.stringMatching(INTERNAL), source: 'internal' });
  });
});
