/**
 * The HTTP upgrade that opens a connection: request checks, the optional
 * authorizer and the `$connect` route run before the handshake completes,
 * and a refusal is an HTTP response, never a WebSocket close.
 *
 * The subprotocol is accepted only if the `$connect` response returns
 * `Sec-WebSocket-Protocol`, as on AWS (serverless-offline and Architect echo
 * it, hiding the most common deploy failure).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { runAuthorizer } from './authorizer.js';
import type { Connection, ConnectionRegistry } from './connection-registry.js';
import { connectEvent, forwardHeaders, forwardQuery, type ConnectionFacts, type ForwardedRequest } from './events.js';
import type { GatewayOptions } from './gateway-options.js';
import { gatewayId, traceId } from './ids.js';
import { InvocationTimeout } from './lambda-context.js';
import { describeError, type RouteInvoker } from './route-invoker.js';
import type { RouteResult } from './types.js';

export interface HandshakeContext {
  readonly options: GatewayOptions;
  readonly registry: ConnectionRegistry;
  readonly invoker: RouteInvoker;
  /** True once shutdown began: new upgrades get 503, ones still in `$connect` are dropped before the 101. */
  isStopping(): boolean;
  /** The 101 response was sent: the connection is live on `ws`. */
  onOpen(connection: Connection, ws: WebSocket, socket: Duplex): void;
}

export class HandshakeHandler {
  private readonly wss: WebSocketServer;
  private readonly subprotocolFor = new WeakMap<IncomingMessage, string>();

  constructor(private readonly context: HandshakeContext) {
    this.wss = new WebSocketServer({
      noServer: true,
      // API Gateway does not negotiate compression; frames on the wire are messages.
      perMessageDeflate: false,
      // Backstop only: FrameGuard closes with 1009 at the real quotas first.
      maxPayload: 4 * context.options.maxMessageBytes,
      // Never pick a subprotocol ourselves: only $connect's response may.
      handleProtocols: () => false,
    });
    this.wss.on('headers', (headers, req) => {
      const protocol = this.subprotocolFor.get(req);
      if (protocol !== undefined) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
    });
  }

  /** Runs one upgrade to its end; an unexpected failure answers 500 and never rejects. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    return this.upgrade(req, socket, head).catch((error) => {
      this.context.options.logger.error('upgrade failed', { error: String(error) });
      refuse(socket, 500, '{"message": "Internal server error"}');
    });
  }

  /** Closes the WebSocket server: the last step of the gateway's shutdown. */
  close(): void {
    this.wss.close();
  }

  /** Path → accepted? Both `/` and `/{stage}` reach the API, like a default mapping. */
  private acceptsPath(pathname: string): boolean {
    const trimmed = pathname.replace(/\/+$/, '');
    return trimmed === '' || trimmed === `/${this.context.options.stage}`;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { options, registry, invoker } = this.context;
    socket.on('error', () => {}); // a client vanishing mid-handshake is not our crash
    const url = new URL(req.url ?? '/', 'http://local');
    if (this.context.isStopping()) return refuse(socket, 503, '{"message": "Service Unavailable"}');
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
      apiId: options.apiId,
      stage: options.stage,
      domainName: options.domainName(),
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

    const connection = registry.create(facts);
    let clientGone = false;
    socket.once('close', () => (clientGone = true));
    const fail = (statusCode: number, body: string) => {
      registry.markClosed(connection);
      refuse(socket, statusCode, body);
    };

    if (options.authorizer) {
      const outcome = await runAuthorizer(
        options.authorizer,
        facts,
        forwarded,
        { ...invoker.functionConfig('$connect'), functionName: `${options.functionNames.$connect}-authorizer` },
        options.integrationTimeoutMs,
      );
      if (!outcome.allowed) {
        options.logger.info('authorizer refused', { connectionId: facts.connectionId, status: outcome.statusCode });
        return fail(outcome.statusCode, JSON.stringify({ message: outcome.message }));
      }
      facts.authorizer = outcome.authorizer;
    }

    const event = connectEvent(facts, forwarded);
    let result: RouteResult | undefined;
    try {
      result = await invoker.invoke('$connect', event);
    } catch (error) {
      const timedOut = error instanceof InvocationTimeout;
      options.logger.warn('$connect failed', { connectionId: facts.connectionId, error: describeError(error) });
      return fail(
        timedOut ? 504 : 500,
        timedOut ? '{"message": "Endpoint request timed out"}' : '{"message": "Internal server error"}',
      );
    }
    const statusCode = result?.statusCode;
    if (typeof statusCode !== 'number' || !Number.isInteger(statusCode)) {
      options.logger.warn('$connect returned no statusCode: treating as a malformed proxy response', {
        connectionId: facts.connectionId,
      });
      return fail(502, '{"message": "Internal server error"}');
    }
    if (statusCode < 200 || statusCode > 299) {
      options.logger.info('$connect refused', { connectionId: facts.connectionId, statusCode });
      return fail(statusCode, typeof result?.body === 'string' ? result.body : '');
    }
    if (options.beforeHandshake) {
      try {
        await options.beforeHandshake(event);
      } catch (error) {
        options.logger.info('handshake dropped by beforeHandshake', { connectionId: facts.connectionId, error: describeError(error) });
        registry.markClosed(connection);
        socket.destroy();
        return;
      }
    }
    if (clientGone || this.context.isStopping()) {
      // The client gave up while $connect ran (or its handshake was held): nothing was established.
      registry.markClosed(connection);
      socket.destroy();
      return;
    }

    const protocol = headerValue(result?.headers, 'sec-websocket-protocol');
    if (protocol !== undefined) this.subprotocolFor.set(req, protocol);
    await new Promise<void>((resolve) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.context.onOpen(connection, ws, socket);
        resolve();
      });
      // handleUpgrade aborts (and never calls back) on a malformed handshake.
      socket.once('close', () => resolve());
    });
    if (connection.state === 'connecting') registry.markClosed(connection);
  }
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

/** Answers the upgrade with a plain HTTP error, as API Gateway does. */
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
