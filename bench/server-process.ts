/**
 * Child process: one protoo server for the end-to-end comparison, serving
 * the same room app on `ws://…?roomId=…&peerId=…`:
 *
 * - `local-stack <root>`: that source tree's `npm start` stack
 *   (local/start-local-stack.ts, embedded dynalite, its lambda/entry.ts);
 * - `protoo-server`: protoo-server 4.0.8 with the equivalent room app
 *   (protoo-server-room.ts).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveWorker } from './ipc.js';
import { startProtooServerRoom } from './protoo-server-room.js';

const [kind, root] = process.argv.slice(2);

/** The room relay sized for the broadcast rooms, no rate limit, the deployed log level (stdout goes nowhere). */
export const STACK_ENV = { ROOM_MAX_PEERS: '1100', PEER_INFO_MAX_BYTES: '24', RATE_LIMIT_PER_SECOND: '0', KEEP_ALIVE: 'off', LOG_LEVEL: 'info' };

async function start(): Promise<{ url: string; version?: string; stop(): Promise<void> }> {
  if (kind === 'protoo-server') return startProtooServerRoom();
  const { startLocalStack } = (await import(pathToFileURL(join(root, 'local/start-local-stack.ts')).href)) as {
    startLocalStack(options: object): Promise<{ url: string; stop(): Promise<void> }>;
  };
  return startLocalStack({ handlers: join(root, 'lambda/entry.ts'), keepAlive: false, logLevel: 'error', env: STACK_ENV });
}

const server = await start();
serveWorker({ url: () => ({ url: server.url, version: server.version }) }, () => server.stop());
