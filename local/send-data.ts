/** How the gateway writes to a client: the same for route responses and @connections POST. */
import { isUtf8 } from 'node:buffer';
import type { Connection } from './connection-registry.js';

/**
 * Sends data as API Gateway's @connections POST does: a text message
 * (binary if the bytes are not UTF-8), split into frames of at most the
 * frame-size quota.
 */
export async function sendData(connection: Connection, data: Buffer, maxFrameBytes: number): Promise<void> {
  const ws = connection.socket!;
  const binary = !isUtf8(data);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length || chunks.length === 0; offset += maxFrameBytes) {
    chunks.push(data.subarray(offset, offset + maxFrameBytes));
  }
  connection.lastActiveAt = Date.now();
  await new Promise<void>((resolve, reject) => {
    chunks.forEach((chunk, i) => {
      const last = i === chunks.length - 1;
      ws.send(chunk, { binary, fin: last, compress: false }, last ? (err) => (err ? reject(err) : resolve()) : undefined);
    });
  });
}
