/** How the gateway writes to a client: the same for route responses and @connections POST. */
import { isUtf8 } from 'node:buffer';
import type { Connection } from './connection-registry.js';

/**
 * Sends data as API Gateway's @connections POST does: a text message
 * (binary if the bytes are not UTF-8), split into frames of at most the
 * frame-size quota. Resolves once the frames are queued, never waiting for
 * the client to read them: how much may queue is the caller's bound
 * (gateway-quotas.ts, backpressure). Throws if the socket is no longer open.
 */
export async function sendData(connection: Connection, data: Buffer, maxFrameBytes: number): Promise<void> {
  const ws = connection.socket!;
  if (ws.readyState !== ws.OPEN) throw new Error('socket is not open');
  const binary = !isUtf8(data);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length || chunks.length === 0; offset += maxFrameBytes) {
    chunks.push(data.subarray(offset, offset + maxFrameBytes));
  }
  connection.lastActiveAt = Date.now();
  chunks.forEach((chunk, i) => {
    // A write that fails ends the socket; its 'close' handler does the rest.
    ws.send(chunk, { binary, fin: i === chunks.length - 1, compress: false }, () => {});
  });
}
