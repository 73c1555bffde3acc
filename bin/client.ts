/**
 * A small command-line protoo client for trying a deployed (or local) stack:
 *
 *   npm run client -- wss://abc123.execute-api.us-east-1.amazonaws.com/dev --room demo --peer alice
 *   npm run client -- ws://127.0.0.1:8080 --room demo --peer bob --data '{"name":"Bob"}'
 *
 * It joins the room, prints notifications and incoming requests (accepting
 * them, or holding them for you with --manual), and reads commands from stdin:
 * `request <method> <json>`, `notify <method> <json>`, `peers`, `quit` (see --help).
 *
 * protoo-client's WebSocketTransport opens its sockets with the `websocket`
 * package (protoo-client's own optional dependency) on Node, so nothing has to
 * be put on globalThis; it offers the "protoo" subprotocol the server requires.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import * as readline from 'node:readline';

import protooClient, { type ProtooNotification, type ProtooRequest } from 'protoo-client';

import {
  USAGE,
  UsageError,
  connectUrl,
  describeHandshakeFailure,
  formatEvent,
  parseArgs,
  parseCommand,
  type ClientOptions,
  type HandshakeOutcome,
} from './client-cli.js';
import { defaultClients, mintJoinUrl } from './token-cli.js';

type Pending = { method: string; accept: (data?: unknown) => void; reject: (code: number, reason: string) => void };

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Watches this process's WebSocket handshakes through Node's http
 * diagnostics channels (observing only: protoo-client and its `websocket`
 * library behave as without it) and returns the outcome of the latest one:
 * the refused status and body, the subprotocol of an upgrade, or the
 * network error (ECONNREFUSED, ENOTFOUND, TLS…).
 */
function watchHandshakes(): () => Promise<HandshakeOutcome> | undefined {
  let latest: Promise<HandshakeOutcome> | undefined;
  diagnostics.subscribe('http.client.request.start', (message) => {
    const { request } = message as { request: ClientRequest };
    if (String(request.getHeader('upgrade') ?? '').toLowerCase() !== 'websocket') return;
    latest = new Promise<HandshakeOutcome>((settle) => {
      request.once('upgrade', (response: IncomingMessage) => {
        const protocol = response.headers['sec-websocket-protocol'];
        settle({ kind: 'upgraded', protocol: Array.isArray(protocol) ? protocol.join(', ') : protocol });
      });
      request.once('error', (error: NodeJS.ErrnoException) => settle({ kind: 'network', code: error.code, message: error.message }));
      request.once('response', (response: IncomingMessage) => {
        let body = '';
        const done = () => {
          clearTimeout(timer);
          settle({ kind: 'refused', status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', body });
        };
        // A server that never ends its body still gets reported.
        const timer = setTimeout(done, 1000);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 4000) body += chunk;
        });
        response.once('end', done);
        response.once('close', done);
      });
    });
  });
  return () => latest;
}

/** --stack / --secret: mint the join token the stack's authorizer will verify, as `npm run token` does. */
async function withMintedToken(options: ClientOptions): Promise<ClientOptions> {
  if (!options.mint) return options;
  const { token } = await mintJoinUrl(
    { roomId: options.room, peerId: options.peer, ttl: '1h', stack: options.mint.stack ?? 'ProtooServerless-dev', secret: options.mint.secret, url: options.url, tokenOnly: true },
    () => defaultClients(),
  );
  return { ...options, query: [...options.query, ['token', token]] };
}

function run(options: ClientOptions): void {
  const lastHandshake = watchHandshakes();
  const url = connectUrl(options);
  info(`connecting to ${url}`);

  const transport = new protooClient.WebSocketTransport(url, {
    retry: { retries: options.retries, factor: 2, minTimeout: 1000, maxTimeout: 8000 },
  });
  const peer = new protooClient.Peer(transport);
  const pending = new Map<number, Pending>();
  const inFlight = new Set<Promise<void>>();
  // Lines typed (or piped) before the connection is open and joined wait here,
  // so `printf 'peers\nquit\n' | npm run client -- ...` works.
  const queued: string[] = [];
  let ready = false;
  let everConnected = false;
  let quitting = false;

  const rl = readline.createInterface({ input: process.stdin, terminal: false });

  const send = (method: string, data: Record<string, unknown>): Promise<void> => {
    const done = peer.request(method, data).then(
      (response) => out(formatEvent({ kind: 'response', method, data: response })),
      (error: Error & { code?: number }) =>
        out(formatEvent({ kind: 'error-response', method, code: error.code, reason: error.message })),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
    return done;
  };

  /** Waits (at most 5 s) for the answers to requests already sent, then closes. */
  const quit = async (): Promise<void> => {
    if (quitting) return;
    quitting = true;
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    peer.close();
  };

  const handle = (line: string): void => {
    const command = parseCommand(line);
    switch (command.kind) {
      case 'none':
        return;
      case 'error':
        info(`error: ${command.message}`);
        return;
      case 'help':
        info(USAGE.slice(USAGE.indexOf('Commands')));
        return;
      case 'request':
        void send(command.method, command.data);
        return;
      case 'peers':
        void send('getPeers', {});
        return;
      case 'notify':
        peer.notify(command.method, command.data).then(
          () => info(`-> notification ${command.method} sent`),
          (error: Error) => info(`error: notify failed: ${error.message}`),
        );
        return;
      case 'accept':
      case 'reject': {
        const entry = pending.get(command.id);
        if (!entry) {
          info(`error: no pending request #${command.id} (see pending)`);
          return;
        }
        pending.delete(command.id);
        if (command.kind === 'accept') entry.accept(command.data);
        else entry.reject(command.code, command.reason);
        info(`-> ${command.kind}ed #${command.id} ${entry.method}`);
        return;
      }
      case 'pending':
        if (pending.size === 0) info('no pending requests');
        for (const [id, entry] of pending) info(`#${id} ${entry.method}`);
        return;
      case 'quit':
        void quit();
        return;
    }
  };

  let stdinClosed = false;
  const becomeReady = (): void => {
    if (ready) return;
    ready = true;
    for (const line of queued.splice(0)) handle(line);
    if (stdinClosed) void quit();
  };

  peer.on('open', () => {
    everConnected = true;
    info('connected');
    // After a reconnection this is a new connection: join again (a server
    // that still counts us as joined answers 409, which is harmless).
    if (options.join) void send('join', { data: options.data }).then(becomeReady);
    else becomeReady();
  });

  // Reports wait for the handshake's body; 'close' waits for the reports.
  let reported: Promise<void> = Promise.resolve();
  peer.on('failed', (attempt: number) => {
    const outcome = lastHandshake();
    reported = reported.then(async () => info(`connection attempt ${attempt} failed: ${describeHandshakeFailure(await outcome)}`));
  });
  peer.on('disconnected', () => {
    ready = false;
    info('disconnected; reconnecting');
  });

  peer.on('close', () => {
    rl.close();
    process.exitCode = everConnected ? 0 : 1;
    void reported.then(() => {
      info(quitting ? 'closed' : 'connection closed (by the server, or no more retries)');
      // The WebSocket library may keep timers alive; nothing is left to do.
      setTimeout(() => process.exit(), 50).unref();
    });
  });

  peer.on('notification', (notification: ProtooNotification) => {
    out(formatEvent({ kind: 'notification', method: notification.method, data: notification.data }));
    // Our peerId connected again elsewhere and the server closed this
    // connection. API Gateway cannot send close code 4000, so protoo-client
    // would reconnect and take the peer back: stop here instead.
    if (notification.method === 'peerReplaced') {
      info('this peer connected elsewhere; closing');
      void quit();
    }
  });

  peer.on(
    'request',
    (request: ProtooRequest, accept: (data?: unknown) => void, reject: (code: number, reason: string) => void) => {
      if (options.manual) {
        pending.set(request.id, { method: request.method, accept, reject });
        out(formatEvent({ kind: 'request', id: request.id, method: request.method, data: request.data, answer: 'pending' }));
      } else {
        out(formatEvent({ kind: 'request', id: request.id, method: request.method, data: request.data, answer: 'auto-accepted' }));
        accept({});
      }
    },
  );

  rl.on('line', (line) => {
    if (ready) handle(line);
    else queued.push(line);
  });

  // stdin closed (Ctrl-D, or the end of a piped script): finish, then close.
  rl.on('close', () => {
    stdinClosed = true;
    if (ready) void quit();
  });
  process.on('SIGINT', () => {
    quitting = true;
    peer.close();
  });
}

function main(): void {
  // `npm run client ... | head` closes stdout early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      info(`error: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (parsed.kind === 'help') {
    out(USAGE);
    return;
  }
  withMintedToken(parsed.options).then(run, (error: unknown) => {
    info(`error: cannot mint a join token: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

main();
