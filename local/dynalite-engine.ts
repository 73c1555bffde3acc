/**
 * The embedded dynalite engine, in a worker thread of its own
 * (dynalite-thread.mjs).
 *
 * dynalite is JavaScript: in the local stack's thread, its expression
 * parsing, validation and LevelDB work took about a quarter of that
 * thread's CPU under load, beside the gateway and every invocation, and
 * delayed them as much. In its own thread it runs on another core; the
 * runtime reaches it over HTTP as it would any endpoint.
 *
 * stop() terminates the thread: its server, its connections and the
 * database go with it at once. (In the stack's thread, dynalite went on
 * working on requests whose clients had gone and threw 'Database is closed'
 * once its server closed; a terminated thread runs nothing more.)
 */
import { Worker } from 'node:worker_threads';

export interface EmbeddedDynalite {
  endpoint: string;
  stop(): Promise<void>;
}

type Started = { endpoint: string } | { failed: string };

const THREAD = new URL('./dynalite-thread.mjs', import.meta.url);

export async function startEmbeddedDynalite(host: string): Promise<EmbeddedDynalite> {
  // Plain JavaScript: none of the host's loaders or flags (tsx's, vitest's) are needed.
  const worker = new Worker(THREAD, { workerData: { host }, execArgv: [] });
  let started: Started;
  try {
    started = await new Promise<Started>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the dynalite thread exited with ${code}`)));
    });
  } finally {
    worker.removeAllListeners();
  }
  if ('failed' in started) {
    await worker.terminate();
    throw new Error(`dynalite could not listen on ${host}: ${started.failed}`);
  }
  // A crash inside dynalite ends its thread: calls to the endpoint then fail (retried, then 5xx); the process goes on.
  worker.on('error', (error) => console.error('dynalite engine thread failed:', error));
  return {
    endpoint: started.endpoint,
    async stop() {
      await worker.terminate();
    },
  };
}
