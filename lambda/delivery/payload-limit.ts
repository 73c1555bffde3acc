/** API Gateway refuses to deliver a WebSocket message over 128 KB. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(readonly bytes: number) {
    super(`message of ${bytes} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte API Gateway limit`);
  }
}

export function byteLength(payload: string): number {
  return Buffer.byteLength(payload, 'utf8');
}

/** Throws PayloadTooLargeError before a fan-out that no recipient could receive. */
export function assertDeliverable(message: object): void {
  const bytes = byteLength(JSON.stringify(message));
  if (bytes > MAX_MESSAGE_BYTES) throw new PayloadTooLargeError(bytes);
}
