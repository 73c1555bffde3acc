/**
 * A protoo message as it goes on the wire: JSON in UTF-8, within API
 * Gateway's limit. The one place that measures a message: a message is
 * encoded once — a broadcast once for all its recipients — and every post
 * sends the encoded bytes.
 */
import type { ProtooMessage } from './messages.js';

/** API Gateway refuses to deliver a WebSocket message over 128 KB. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(readonly bytes: number) {
    super(`message of ${bytes} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte API Gateway limit`);
  }
}

export interface EncodedMessage<M extends ProtooMessage = ProtooMessage> {
  /** What was encoded, for whoever needs to know what a post carries (logs, the deadline's answer guard). */
  readonly message: M;
  /** The UTF-8 JSON, at most MAX_MESSAGE_BYTES long. */
  readonly data: Uint8Array;
}

const utf8 = new TextEncoder();

/** Throws PayloadTooLargeError when the message is over 128 KB in UTF-8 bytes (not characters). */
export function encode<M extends ProtooMessage>(message: M): EncodedMessage<M> {
  const data = utf8.encode(JSON.stringify(message));
  if (data.byteLength > MAX_MESSAGE_BYTES) throw new PayloadTooLargeError(data.byteLength);
  return { message, data };
}
