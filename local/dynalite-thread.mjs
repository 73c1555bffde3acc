// @ts-check
/**
 * The embedded engine's worker thread (started by dynalite-engine.ts):
 * dynalite's HTTP server on `workerData.host`, with its in-memory database.
 * Posts `{ endpoint }` once listening, or `{ failed }`.
 *
 * Plain JavaScript, so the thread starts without a TypeScript loader (a
 * worker thread shares neither tsx's under `npm start` nor vitest's), in a
 * third of the time; `// @ts-check` keeps it type-checked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { host } = /** @type {{ host: string }} */ (workerData);
/** @type {import('node:http').Server} */
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => port.postMessage({ failed: error.message }));
server.listen(0, host, () => {
  const { port: listening } = /** @type {import('node:net').AddressInfo} */ (server.address());
  port.postMessage({ endpoint: `http://${host}:${listening}` });
});
