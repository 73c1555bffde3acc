/**
 * lambda/protocol/encode.ts against API Gateway's own number: a message of
 * exactly 128 KiB (131072 UTF-8 bytes) is sent, one byte more is refused with
 * an error a caller can recognise by name.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../../lambda/protocol/encode.js';

/** A notification whose JSON is exactly `bytes` UTF-8 bytes long. */
function notificationOf(bytes: number) {
  const empty = JSON.stringify({ notification: true, method: 'blob', data: { s: '' } }).length;
  return { notification: true as const, method: 'blob', data: { s: 'x'.repeat(bytes - empty) } };
}

describe('encode', () => {
  it('sends a message of exactly 131072 bytes (API Gateway’s 128 KiB)', () => {
    expect(encode(notificationOf(131072)).data.byteLength).toBe(131072);
  });

  it('refuses 131073 bytes with a PayloadTooLargeError naming the size', () => {
    let thrown: unknown;
    try {
      encode(notificationOf(131073));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'PayloadTooLargeError', bytes: 131073, message: 'message of 131073 bytes exceeds the 131072-byte API Gateway limit' });
  });
});
