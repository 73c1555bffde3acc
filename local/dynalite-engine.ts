/**
 * The embedded dynalite engine, and a stop() that cannot crash the process.
 *
 * dynalite keeps working on a request after its client has gone (an SDK
 * timeout aborts the socket; dynalite still runs the item's get, index update
 * and delete, one tick after another). Its close() closes the database as
 * soon as the HTTP server emits 'close' (no connection left), so such a
 * request meets a closed database and dynalite throws 'Database is closed'
 * as an uncaught exception. So the server's 'close' is held back until every
 * request dynalite has received in full has also been answered (it always
 * calls res.end, even for a client that has gone).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/** How long stop() waits for requests dynalite is still working on. */
const DRAIN_LIMIT_MS = 10_000;

export interface EmbeddedDynalite {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Counts requests dynalite is working on: from the end of the request body
 * (before it, dynalite has not acted; a body cut off never ends) until
 * dynalite ends the response.
 */
function trackWork(server: Server) {
  let working = 0;
  const waiters = new Set<() => void>();
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    let counted = false;
    let answered = false;
    req.once('end', () => {
      if (answered) return;
      counted = true;
      working++;
    });
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: Parameters<ServerResponse['end']>) {
      if (!answered) {
        answered = true;
        if (counted && --working === 0) for (const wake of waiters) wake();
      }
      return end.apply(this, args);
    } as ServerResponse['end'];
  });
  /** Resolves true once nothing is being worked on, false after `limitMs`. */
  return (limitMs: number): Promise<boolean> => {
    if (working === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(drained);
      };
      const wake = () => finish(true);
      const timer = setTimeout(() => finish(false), limitMs);
      waiters.add(wake);
    });
  };
}

export async function startEmbeddedDynalite(host: string): Promise<EmbeddedDynalite> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const idle = trackWork(server);

  // dynalite closes its database when the server emits 'close': emit it only
  // once dynalite has nothing in hand. If work is still running after the
  // limit, never emit it: the in-memory database is left to the garbage
  // collector rather than closed under a running request.
  let gaveUp: () => void = () => {};
  const givenUp = new Promise<void>((resolve) => (gaveUp = resolve));
  const emit = server.emit;
  server.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    const forward = () => emit.apply(this, [event, ...args] as Parameters<Server['emit']>);
    if (event !== 'close') return forward();
    void idle(DRAIN_LIMIT_MS).then((drained) => (drained ? forward() : gaveUp()));
    return true;
  } as Server['emit'];

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A connection still open after the limit (a client that stopped
      // mid-request) is cut so that 'close' can come.
      const cutOff = setTimeout(() => server.closeAllConnections(), DRAIN_LIMIT_MS);
      await Promise.race([closed, givenUp]);
      clearTimeout(cutOff);
    },
  };
}
