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
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { runAuthorizer, type AuthorizerConfig } from './authorizer.js';
import { ConnectionRegistry, type Connection } from './connection-registry.js';
import {
  connectEvent,
  disconnectEvent,
  forwardHeaders,
  forwardQuery,
  gatewayErrorFrame,
  messageEvent,
  type ConnectionFacts,
  type ForwardedRequest,
} from './events.js';
import { FrameGuard } from './frame-guard.js';
import { gatewayId, traceId } from './ids.js';
import { InvocationTimeout, invokeHandler, type FunctionConfig } from './lambda-context.js';
import type { Logger } from './logger.js';
import type { RouteKey, RouteResult, WebSocketEvent, WebSocketHandlers } from './types.js';

export const LIMITS = {
  /** API Gateway: WebSocket frame size. */
  maxFrameBytes: 32 * 1024,
  /** API Gateway: message payload size. */
  maxMessageBytes: 128 * 1024,
  /** API Gateway: idle connection timeout. */
  idleTimeoutMs: 10 * 60 * 1000,
  /** API Gateway: connection duration for WebSocket API. */
  maxConnectionDurationMs: 2 * 60 * 60 * 1000,
  /** API Gateway: integration timeout. */
  integrationTimeoutMs: 29_000,
} as const;

/** Close codes and the `$disconnect` reasons that go with them. */
export const CLOSE = {
  normal: { statusCode: 1000, reason: 'Connection Closed Normally' },
  goingAway: { statusCode: 1001, reason: 'Going away' },
  unsupported: { statusCode: 1003, reason: 'Binary frames are not supported' },
  tooBig: { statusCode: 1009, reason: 'Message too big' },
} as const;

export interface GatewayOptions {
  handlers: () => WebSocketHandlers;
  stage: string;
  apiId: string;
  region: string;
  accountId: string;
  /** `host:port` the runtime uses to reach the Management API. */
  domainName: () => string;
  idleTimeoutMs: number;
  maxConnectionDurationMs: number;
  integrationTimeoutMs: number;
  maxFrameBytes: number;
  maxMessageBytes: number;
  authorizer?: AuthorizerConfig;
  /**
   * Two-way routes: send a `$default` result's `body` back to the client, as
   * API Gateway does when the route has a route response. Off by default
   * (the protoo runtime answers through the Management API).
   */
  routeResponses: boolean;
  /**
   * Called before each invocation; its promise delays it and its rejection
   * drops it. Tests use it to reproduce AWS timing, e.g. a `$disconnect`
   * that arrives late or never.
   */
  beforeInvoke?: (route: RouteKey, event: WebSocketEvent) => void | Promise<void>;
  /**
   * Called after `$connect` accepted a connection and before the handshake
   * completes (the 101 response); its promise delays the handshake. Until
   * then the connection is still connecting: Management API calls to it
   * answer 410, as on AWS. A rejection drops the TCP connection without a
   * response (nothing is established, no `$disconnect`).
   */
  beforeHandshake?: (event: WebSocketEvent) => void | Promise<void>;
  functionNames: Record<RouteKey, string>;
  logger: Logger;
}

/** Outcome of a Management API call against a connection. */
export type PostOutcome = 'ok' | 'gone';

export class WebSocketGateway {
  readonly registry = new ConnectionRegistry();
  private readonly wss: WebSocketServer;
  private readonly pendingDisconnects = new Set<Promise<void>>();
  private readonly pendingConnects = new Set<Promise<void>>();
  private readonly subprotocolFor = new WeakMap<IncomingMessage, string>();
  private stopping = false;

  constructor(private readonly options: GatewayOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      // API Gateway does not negotiate compression; frames on the wire are messages.
      perMessageDeflate: false,
      // Backstop only: FrameGuard closes with 1009 at the real quotas first.
      maxPayload: 4 * options.maxMessageBytes,
      // Never pick a subprotocol ourselves: only $connect's response may.
      handleProtocols: () => false,
    });
    this.wss.on('headers', (headers, req) => {
      const protocol = this.subprotocolFor.get(req);
      if (protocol !== undefined) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
    });
  }

  private fn(route: RouteKey): FunctionConfig {
    return {
      functionName: this.options.functionNames[route],
      region: this.options.region,
      accountId: this.options.accountId,
      memoryLimitInMB: 1024,
    };
  }

  /** Path → accepted? Both `/` and `/{stage}` reach the API, like a default mapping. */
  private acceptsPath(pathname: string): boolean {
    const trimmed = pathname.replace(/\/+$/, '');
    return trimmed === '' || trimmed === `/${this.options.stage}`;
  }

  /** `server.on('upgrade', gateway.handleUpgrade)` */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const task = this.upgrade(req, socket, head).catch((error) => {
      this.options.logger.error('upgrade failed', { error: String(error) });
      refuse(socket, 500, '{"message": "Internal server error"}');
    });
    this.pendingConnects.add(task);
    void task.finally(() => this.pendingConnects.delete(task));
  };

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => {}); // a client vanishing mid-handshake is not our crash
    const url = new URL(req.url ?? '/', 'http://local');
    if (this.stopping) return refuse(socket, 503, '{"message": "Service Unavailable"}');
    if (!this.acceptsPath(url.pathname)) return refuse(socket, 403, '{"message":"Forbidden"}');
    const key = req.headers['sec-websocket-key'];
    if (
      req.headers.upgrade?.toLowerCase() !== 'websocket' ||
      typeof key !== 'string' ||
      !/^[+/0-9A-Za-z]{22}==$/.test(key) ||
      req.headers['sec-websocket-version'] !== '13'
    ) {
      return refuse(socket, 400, '{"message":"Bad Request"}');
    }

    const now = Date.now();
    const userAgent = req.headers['user-agent'];
    const sourceIp = normalizeIp(req.socket.remoteAddress);
    const facts: ConnectionFacts = {
      connectionId: gatewayId(),
      connectedAt: now,
      identity: userAgent ? { sourceIp, userAgent } : { sourceIp },
      apiId: this.options.apiId,
      stage: this.options.stage,
      domainName: this.options.domainName(),
    };
    const localPort = req.socket.localPort;
    const forwarded: ForwardedRequest = {
      ...forwardHeaders(req.rawHeaders, {
        'X-Amzn-Trace-Id': traceId(now),
        'X-Forwarded-For': sourceIp,
        'X-Forwarded-Port': String(localPort ?? ''),
        'X-Forwarded-Proto': 'http',
      }),
      ...forwardQuery(url.searchParams),
    };

    const connection = this.registry.create(facts);
    let clientGone = false;
    socket.once('close', () => (clientGone = true));
    const fail = (statusCode: number, body: string) => {
      this.registry.markClosed(connection);
      refuse(socket, statusCode, body);
    };

    if (this.options.authorizer) {
      const outcome = await runAuthorizer(
        this.options.authorizer,
        facts,
        forwarded,
        { ...this.fn('$connect'), functionName: `${this.options.functionNames.$connect}-authorizer` },
        this.options.integrationTimeoutMs,
      );
      if (!outcome.allowed) {
        this.options.logger.info('authorizer refused', { connectionId: facts.connectionId, status: outcome.statusCode });
        return fail(outcome.statusCode, JSON.stringify({ message: outcome.message }));
      }
      facts.authorizer = outcome.authorizer;
    }

    const event = connectEvent(facts, forwarded);
    let result: RouteResult | undefined;
    try {
      result = await this.invoke('$connect', event);
    } catch (error) {
      const timedOut = error instanceof InvocationTimeout;
      this.options.logger.warn('$connect failed', { connectionId: facts.connectionId, error: describe(error) });
      return fail(
        timedOut ? 504 : 500,
        timedOut ? '{"message": "Endpoint request timed out"}' : '{"message": "Internal server error"}',
      );
    }
    const statusCode = result?.statusCode;
    if (typeof statusCode !== 'number' || !Number.isInteger(statusCode)) {
      this.options.logger.warn('$connect returned no statusCode: treating as a malformed proxy response', {
        connectionId: facts.connectionId,
      });
      return fail(502, '{"message": "Internal server error"}');
    }
    if (statusCode < 200 || statusCode > 299) {
      this.options.logger.info('$connect refused', { connectionId: facts.connectionId, statusCode });
      return fail(statusCode, typeof result?.body === 'string' ? result.body : '');
    }
    if (this.options.beforeHandshake) {
      try {
        await this.options.beforeHandshake(event);
      } catch (error) {
        this.options.logger.info('handshake dropped by beforeHandshake', { connectionId: facts.connectionId, error: describe(error) });
        this.registry.markClosed(connection);
        socket.destroy();
        return;
      }
    }
    if (clientGone || this.stopping) {
      // The client gave up while $connect ran (or its handshake was held): nothing was established.
      this.registry.markClosed(connection);
      socket.destroy();
      return;
    }

    const protocol = headerValue(result?.headers, 'sec-websocket-protocol');
    if (protocol !== undefined) this.subprotocolFor.set(req, protocol);
    await new Promise<void>((resolve) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.onOpen(connection, ws, socket);
        resolve();
      });
      // handleUpgrade aborts (and never calls back) on a malformed handshake.
      socket.once('close', () => resolve());
    });
    if (connection.state === 'connecting') this.registry.markClosed(connection);
  }

  private onOpen(connection: Connection, ws: WebSocket, socket: Duplex): void {
    connection.socket = ws;
    connection.state = 'open';
    connection.lastActiveAt = Date.now();
    this.options.logger.info('connected', { connectionId: connection.id });

    const guard = new FrameGuard(this.options, (kind, bytes) => {
      this.options.logger.info('size quota exceeded', { connectionId: connection.id, kind, bytes });
      this.close(connection, CLOSE.tooBig);
    });
    // Runs before ws's own listener, so an oversized message is never dispatched.
    socket.prependListener('data', (chunk: Buffer) => guard.feed(chunk));

    ws.on('message', (data, isBinary) => {
      if (connection.state !== 'open') return;
      if (isBinary) return this.close(connection, CLOSE.unsupported);
      connection.lastActiveAt = Date.now();
      const body = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      const task = this.onMessage(connection, body);
      connection.inflight.add(task);
      void task.finally(() => connection.inflight.delete(task));
    });
    ws.on('error', (error) => this.options.logger.debug('socket error', { connectionId: connection.id, error: String(error) }));
    ws.on('close', (code, reasonBuffer) => this.onClose(connection, code, reasonBuffer.toString('utf8')));

    if (this.options.idleTimeoutMs > 0) this.armIdleTimer(connection);
    if (this.options.maxConnectionDurationMs > 0) {
      const remaining = connection.facts.connectedAt + this.options.maxConnectionDurationMs - Date.now();
      connection.timers.push(
        setTimeout(() => {
          this.options.logger.info('maximum connection duration reached', { connectionId: connection.id });
          this.close(connection, CLOSE.goingAway);
        }, Math.max(0, remaining)),
      );
    }
  }

  private armIdleTimer(connection: Connection): void {
    const due = connection.lastActiveAt + this.options.idleTimeoutMs - Date.now();
    const timer = setTimeout(() => {
      connection.timers = connection.timers.filter((t) => t !== timer);
      if (connection.state !== 'open') return;
      if (Date.now() - connection.lastActiveAt >= this.options.idleTimeoutMs) {
        this.options.logger.info('idle timeout', { connectionId: connection.id });
        this.close(connection, CLOSE.goingAway);
      } else {
        this.armIdleTimer(connection);
      }
    }, Math.max(0, due));
    connection.timers.push(timer);
  }

  private async onMessage(connection: Connection, body: string): Promise<void> {
    const event = messageEvent(connection.facts, body);
    const { requestId, connectionId } = event.requestContext;
    try {
      const result = await this.invoke('$default', event);
      if (this.options.routeResponses && typeof result?.body === 'string' && connection.state === 'open') {
        await this.sendData(connection, Buffer.from(result.body, 'utf8'));
      }
    } catch (error) {
      const timedOut = error instanceof InvocationTimeout;
      this.options.logger.warn('$default failed', { connectionId, requestId, error: describe(error) });
      if (connection.state === 'open') {
        const frame = gatewayErrorFrame(
          timedOut ? 'Endpoint request timed out' : 'Internal server error',
          connectionId,
          requestId,
        );
        await this.sendData(connection, Buffer.from(frame, 'utf8')).catch(() => {});
      }
    }
  }

  private onClose(connection: Connection, code: number, reason: string): void {
    const cause = connection.closeCause ?? clientCloseCause(code, reason);
    this.registry.markClosed(connection);
    this.options.logger.info('disconnected', { connectionId: connection.id, ...cause });
    const event = disconnectEvent(connection.facts, cause.statusCode, cause.reason);
    const task = this.invoke('$disconnect', event)
      .then(() => undefined)
      .catch((error) => {
        // $disconnect is best effort on AWS too: failures are only logged.
        this.options.logger.warn('$disconnect failed', { connectionId: connection.id, error: describe(error) });
      });
    this.pendingDisconnects.add(task);
    void task.finally(() => this.pendingDisconnects.delete(task));
  }

  private async invoke(route: RouteKey, event: WebSocketEvent): Promise<RouteResult> {
    if (this.options.beforeInvoke) await this.options.beforeInvoke(route, event);
    const handlers = this.options.handlers();
    const handler = route === '$connect' ? handlers.connect : route === '$disconnect' ? handlers.disconnect : handlers.message;
    return invokeHandler(handler, event, this.fn(route), this.options.integrationTimeoutMs);
  }

  /** Gateway-initiated close (DELETE, quotas, timeouts, shutdown). */
  close(connection: Connection, cause: { statusCode: number; reason: string }, clientReason?: string): void {
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
    const ws = connection.socket!;
    const binary = !isUtf8(data);
    const frame = this.options.maxFrameBytes;
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < data.length || chunks.length === 0; offset += frame) {
      chunks.push(data.subarray(offset, offset + frame));
    }
    connection.lastActiveAt = Date.now();
    await new Promise<void>((resolve, reject) => {
      chunks.forEach((chunk, i) => {
        const last = i === chunks.length - 1;
        ws.send(chunk, { binary, fin: last, compress: false }, last ? (err) => (err ? reject(err) : resolve()) : undefined);
      });
    });
  }

  /** Management API POST. */
  async post(connectionId: string, data: Buffer): Promise<PostOutcome> {
    const connection = this.registry.getOpen(connectionId);
    if (!connection) return 'gone';
    try {
      await this.sendData(connection, data);
      return 'ok';
    } catch {
      return 'gone';
    }
  }

  /** Management API DELETE: closes with 1000, as AWS does. */
  disconnect(connectionId: string): PostOutcome {
    const connection = this.registry.getOpen(connectionId);
    if (!connection) return 'gone';
    this.close(connection, CLOSE.normal, '');
    return 'ok';
  }

  /** Ends every connection (1001 Going away) and waits for `$disconnect`s. */
  async shutdown(timeoutMs = 5000): Promise<void> {
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
    this.wss.close();
  }
}

function clientCloseCause(code: number, reason: string): { statusCode: number; reason: string } {
  if (code === 1005) return { statusCode: 1005, reason: 'Client-side close frame status not set' };
  if (code === 1006) return { statusCode: 1006, reason: 'Connection was closed abnormally' };
  if (reason) return { statusCode: code, reason };
  if (code === 1000) return { ...CLOSE.normal };
  if (code === 1001) return { ...CLOSE.goingAway };
  return { statusCode: code, reason: '' };
}

function headerValue(headers: RouteResult['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
}

function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function refuse(socket: Duplex, statusCode: number, body: string): void {
  if (socket.destroyed) return;
  const text = STATUS_CODES[statusCode] ?? 'Unknown';
  const payload = Buffer.from(body, 'utf8');
  socket.end(
    `HTTP/1.1 ${statusCode} ${text}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${payload.length}\r\n` +
      `x-amzn-RequestId: ${gatewayId()}\r\n` +
      '\r\n' +
      body,
  );
}
