/**
 * The emulated API Gateway WebSocket API: takes HTTP upgrades, runs the
 * `$connect` authorizer and route before completing the handshake, invokes
 * `$default` for every text message and `$disconnect` when a connection
 * ends, and enforces API Gateway's quotas (frame and message size, binary
 * frames, idle timeout, maximum connection duration).
 *
 * Deliberately not convenient where AWS is not: the subprotocol is
 * accepted only if the `$connect` response returns `Sec-WebSocket-Protocol`
 * (serverless-offline and Architect echo it, hiding the most common deploy
 * failure), and a route's return value is not sent to the client unless
 * route responses are turned on.
 *
 * This class wires the parts together and serves the Management API's
 * connection operations; the parts live in handshake.ts, route-dispatch.ts,
 * gateway-quotas.ts, close-codes.ts and send-data.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CLOSE, clientCloseCause, type CloseCause } from './close-codes.js';
import { ConnectionRegistry, type Connection } from './connection-registry.js';
import type { GatewayOptions } from './gateway-options.js';
import { SLOW_CLIENT_CLOSE, armConnectionTimers, guardMessageSizes, resolveBackpressure, wouldOverflow, type Backpressure } from './gateway-quotas.js';
import { HandshakeHandler } from './handshake.js';
import { dispatchDisconnect, dispatchMessage, type DispatchContext } from './route-dispatch.js';
import { RouteInvoker } from './route-invoker.js';
import { sendData } from './send-data.js';

// Kept importable from here: start-local-stack.ts and management-api.ts do.
export { CLOSE } from './close-codes.js';
export { BACKPRESSURE, LIMITS, type Backpressure } from './gateway-quotas.js';
export type { GatewayOptions } from './gateway-options.js';

/** Outcome of a Management API call against a connection ('full': its client is not reading). */
export type PostOutcome = 'ok' | 'gone' | 'full';

export class WebSocketGateway {
  readonly registry = new ConnectionRegistry();
  private readonly handshakes: HandshakeHandler;
  private readonly dispatch: DispatchContext;
  private readonly pendingDisconnects = new Set<Promise<void>>();
  private readonly pendingConnects = new Set<Promise<void>>();
  private stopping = false;
  /** When a client last did something the gateway saw: a handshake, a frame, a close (ms since epoch). */
  private lastClientActivity = 0;
  /** Backpressure on POSTs; tests may change it while the gateway runs. */
  backpressure: Backpressure;

  constructor(private readonly options: GatewayOptions) {
    this.backpressure = resolveBackpressure(options.backpressure, options.maxMessageBytes);
    const invoker = new RouteInvoker(options);
    this.dispatch = { options, invoker };
    this.handshakes = new HandshakeHandler({
      options,
      registry: this.registry,
      invoker,
      isStopping: () => this.stopping,
      onOpen: (connection, ws, socket) => this.onOpen(connection, ws, socket),
    });
  }

  /** `server.on('upgrade', gateway.handleUpgrade)` */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.lastClientActivity = Date.now();
    const task = this.handshakes.handle(req, socket, head);
    this.pendingConnects.add(task);
    void task.finally(() => this.pendingConnects.delete(task));
  };

  private onOpen(connection: Connection, ws: WebSocket, socket: Duplex): void {
    connection.socket = ws;
    connection.state = 'open';
    connection.lastActiveAt = Date.now();
    this.options.logger.info('connected', { connectionId: connection.id });

    const closeForQuota = (cause: CloseCause) => this.close(connection, cause);
    guardMessageSizes(connection, socket, this.options, closeForQuota);

    ws.on('message', (data, isBinary) => {
      if (connection.state !== 'open') return;
      if (isBinary) return this.close(connection, CLOSE.unsupported);
      connection.lastActiveAt = this.lastClientActivity = Date.now();
      const body = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      const task = dispatchMessage(this.dispatch, connection, body);
      connection.inflight.add(task);
      void task.finally(() => connection.inflight.delete(task));
    });
    ws.on('error', (error) => this.options.logger.debug('socket error', { connectionId: connection.id, error: String(error) }));
    ws.on('close', (code, reasonBuffer) => this.onClose(connection, code, reasonBuffer.toString('utf8')));

    armConnectionTimers(connection, this.options, closeForQuota);
  }

  private onClose(connection: Connection, code: number, reason: string): void {
    this.lastClientActivity = Date.now();
    const cause = connection.closeCause ?? clientCloseCause(code, reason);
    this.registry.markClosed(connection);
    this.options.logger.info('disconnected', { connectionId: connection.id, ...cause });
    const task = dispatchDisconnect(this.dispatch, connection, cause);
    this.pendingDisconnects.add(task);
    void task.finally(() => this.pendingDisconnects.delete(task));
  }

  /** Gateway-initiated close (DELETE, quotas, timeouts, shutdown). */
  close(connection: Connection, cause: CloseCause, clientReason?: string): void {
    if (connection.state !== 'open') return;
    connection.state = 'closing';
    connection.closeCause = { statusCode: cause.statusCode, reason: cause.reason };
    const ws = connection.socket!;
    ws.close(cause.statusCode, clientReason ?? cause.reason);
    // Don't wait 30 s for a client that never answers the close frame.
    const kill = setTimeout(() => ws.terminate(), 2000);
    kill.unref();
  }

  /**
   * Sends data as API Gateway's @connections POST does: a text message
   * (binary if the bytes are not UTF-8), split into frames of at most the
   * frame-size quota.
   */
  async sendData(connection: Connection, data: Buffer): Promise<void> {
    return sendData(connection, data, this.options.maxFrameBytes);
  }

  /**
   * Management API POST: queued at once, never waiting for the client to
   * read; a client that stopped reading meets the backpressure bound.
   */
  async post(connectionId: string, data: Buffer): Promise<PostOutcome> {
    const connection = this.registry.getOpen(connectionId);
    if (!connection) return 'gone';
    if (wouldOverflow(connection, data.length, this.backpressure)) {
      const fields = { connectionId, bufferedBytes: connection.socket?.bufferedAmount };
      if (this.backpressure.onOverflow === 'reject') {
        // Every post to it says so until it reads again: debug, not info.
        this.options.logger.debug('client is not reading: send buffer full, 429', fields);
        return 'full';
      }
      this.options.logger.info('client is not reading: send buffer full, dropping the connection', fields);
      this.drop(connection, SLOW_CLIENT_CLOSE);
      return 'gone';
    }
    try {
      await this.sendData(connection, data);
      return 'ok';
    } catch {
      return 'gone';
    }
  }

  /** Ends the TCP connection without a close frame (a client that does not read would never see one). */
  private drop(connection: Connection, cause: CloseCause): void {
    if (connection.state !== 'open') return;
    connection.state = 'closing';
    connection.closeCause = { statusCode: cause.statusCode, reason: cause.reason };
    connection.socket!.terminate();
  }

  /** Management API DELETE: closes with 1000, as AWS does. */
  disconnect(connectionId: string): PostOutcome {
    const connection = this.registry.getOpen(connectionId);
    if (!connection) return 'gone';
    this.close(connection, CLOSE.normal, '');
    return 'ok';
  }

  /**
   * Resolves once the stack is quiet: no handshake, no $disconnect and no
   * handler run in flight, and nothing heard from a client or done by a
   * handler for `quietMs` — long enough for a frame a handler just sent to
   * reach its client over loopback and for the client's own reply (an
   * automatic answer) to arrive. Tests wait on this instead of sleeping
   * before they check that nothing more happened.
   */
  async settled(quietMs = 50, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { invoker } = this.dispatch;
      const busy = invoker.inFlight + this.pendingConnects.size + this.pendingDisconnects.size > 0;
      const quietFor = Date.now() - Math.max(this.lastClientActivity, invoker.lastActivity);
      if (!busy && quietFor >= quietMs) return;
      if (Date.now() > deadline) throw new Error(`the local stack did not settle within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, busy ? 10 : quietMs - quietFor));
    }
  }

  /**
   * Ends every connection (1001 Going away) and waits for the `$disconnect`s,
   * while the Management API and the engine are still up: each posts
   * `peerClosed` to the rest of its room, so a room of N peers makes ~N²
   * posts. By default it waits as long as one invocation may run (the
   * integration timeout) plus a second, since those are bounded anyway;
   * stopping sooner made them fail against a closed server.
   */
  async shutdown(timeoutMs = this.options.integrationTimeoutMs + 1_000): Promise<void> {
    this.stopping = true;
    for (const connection of this.registry.all()) {
      if (connection.state === 'open') this.close(connection, CLOSE.goingAway);
    }
    const deadline = Date.now() + timeoutMs;
    while (this.registry.size > 0 || this.pendingDisconnects.size > 0 || this.pendingConnects.size > 0) {
      if (Date.now() > deadline) break;
      // Always yield to the event loop: the sockets close in I/O callbacks.
      const pending = [...this.pendingDisconnects, ...this.pendingConnects];
      await Promise.race([
        ...(pending.length > 0 ? [Promise.allSettled(pending)] : []),
        new Promise((r) => setTimeout(r, 20)),
      ]);
    }
    for (const connection of this.registry.all()) {
      connection.socket?.terminate();
      this.registry.markClosed(connection);
    }
    // $default invocations still running (a message sent just before the end)
    // would otherwise meet a DynamoDB engine that stop() has already closed.
    await this.dispatch.invoker.idle(deadline);
    this.handshakes.close();
  }
}
