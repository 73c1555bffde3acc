/**
 * The API Gateway Management API (`@connections`) over plain HTTP on the
 * same port as the WebSocket endpoint, at the path the runtime derives from
 * the event: `http://{domainName}/{stage}/@connections/{connectionId}`.
 *
 * - POST: the raw body is queued for the client (≤ 128 KB, else 413
 *   PayloadTooLargeException); 200 with an empty body, at once. A client
 *   that does not read gets 429 LimitExceededException once its buffer is
 *   full, or is dropped and answers 410 (gateway backpressure option).
 * - GET: 200 `{connectedAt, identity: {sourceIp, userAgent?}, lastActiveAt}`.
 * - DELETE: closes the connection with 1000; 204.
 * - An id that is unknown, closed, closing or still in `$connect`: 410 with
 *   `x-amzn-ErrorType: GoneException`.
 * - No SigV4 `Authorization` header: 403 ForbiddenException (the signature
 *   itself is not verified).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gatewayId } from './ids.js';
import type { Logger } from './logger.js';
import type { WebSocketGateway } from './websocket-gateway.js';

export interface ManagementApiOptions {
  stage: string;
  maxMessageBytes: number;
  logger: Logger;
}

type ErrorType = 'GoneException' | 'ForbiddenException' | 'PayloadTooLargeException' | 'BadRequestException' | 'LimitExceededException';

function sendError(res: ServerResponse, status: number, type: ErrorType, message: string | null): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': gatewayId(),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const headers: Record<string, string | number> = { 'x-amzn-RequestId': gatewayId() };
  if (body) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Reads the body, keeping at most `limit` bytes; null when it is over
 * `limit`. Events, not `for await`: every post of a broadcast comes through
 * here, and an async iterator costs a promise per chunk.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
    });
    req.once('end', () => resolve(total > limit ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', reject);
    // A client gone mid-body: no 'end' comes (after 'end', this changes nothing).
    req.once('close', () => reject(new Error('the request was closed before its end')));
  });
}

/** Parses `/{stage}/@connections/{id}` (with `@` possibly percent-encoded). */
export function parseConnectionPath(pathname: string, stage: string): string | undefined {
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.length !== 3) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  const [stageSegment, connections, id] = segments.map(decode);
  if (stageSegment !== stage || connections !== '@connections' || !id) return undefined;
  return id;
}

export function createManagementApi(gateway: WebSocketGateway, options: ManagementApiOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const connectionId = parseConnectionPath(url.pathname, options.stage);
    if (connectionId === undefined) {
      req.resume();
      const trimmed = url.pathname.replace(/\/+$/, '');
      if (req.method === 'GET' && (trimmed === '' || trimmed === `/${options.stage}`)) {
        // The WebSocket endpoint reached without an upgrade.
        res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
        res.end('This is a WebSocket endpoint: connect with ws:// and the protoo subprotocol.\n');
        return;
      }
      return sendError(res, 403, 'ForbiddenException', 'Forbidden');
    }
    if (!/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? '')) {
      req.resume();
      return sendError(res, 403, 'ForbiddenException', 'Missing Authentication Token');
    }

    switch (req.method) {
      case 'POST': {
        const body = await readBody(req, options.maxMessageBytes);
        if (body === null) {
          options.logger.info('@connections POST too large', { connectionId });
          return sendError(res, 413, 'PayloadTooLargeException', 'Request entity too large');
        }
        const outcome = await gateway.post(connectionId, body);
        options.logger.debug('@connections POST', { connectionId, bytes: body.length, outcome });
        if (outcome === 'gone') return sendError(res, 410, 'GoneException', null);
        if (outcome === 'full') return sendError(res, 429, 'LimitExceededException', 'Limit Exceeded');
        return sendJson(res, 200, undefined);
      }
      case 'GET': {
        req.resume();
        const connection = gateway.registry.getOpen(connectionId);
        if (!connection) return sendError(res, 410, 'GoneException', null);
        return sendJson(res, 200, {
          connectedAt: new Date(connection.facts.connectedAt).toISOString(),
          identity: connection.facts.identity,
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        });
      }
      case 'DELETE': {
        req.resume();
        const outcome = gateway.disconnect(connectionId);
        options.logger.debug('@connections DELETE', { connectionId, outcome });
        if (outcome === 'gone') return sendError(res, 410, 'GoneException', null);
        return sendJson(res, 204, undefined);
      }
      default:
        req.resume();
        return sendError(res, 403, 'ForbiddenException', 'Missing Authentication Token');
    }
  };
}
