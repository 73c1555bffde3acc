/**
 * Builders for the events API Gateway (WebSocket APIs, Lambda proxy
 * integration) sends to Lambda. Shapes follow what AWS delivers:
 *
 * - `$connect`: headers (client's own casing, plus X-Forwarded-* and
 *   X-Amzn-Trace-Id), multiValueHeaders, query string parameters when the URL
 *   has any, and the request context.
 * - `$default`: the request context (with `messageId`) and the body; no
 *   headers and no query string.
 * - `$disconnect`: a few gateway headers, and `disconnectStatusCode` /
 *   `disconnectReason` in the request context.
 */
import { gatewayId } from './ids.js';
import type {
  AuthorizerEvent,
  RouteKey,
  WebSocketEvent,
  WebSocketIdentity,
  WebSocketRequestContext,
} from './types.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `09/Feb/2024:18:11:43 +0000`, the CLF timestamp API Gateway uses. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** What the gateway knows about a connection, independent of any route. */
export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  identity: WebSocketIdentity;
  apiId: string;
  stage: string;
  domainName: string;
  /** `requestContext.authorizer` as produced by the `$connect` authorizer. */
  authorizer?: Record<string, unknown>;
}

/** Headers of the upgrade request, as API Gateway forwards them. */
export interface ForwardedRequest {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
}

function requestContext(
  facts: ConnectionFacts,
  routeKey: RouteKey,
  now: number,
  extra: Partial<WebSocketRequestContext> = {},
): WebSocketRequestContext {
  const requestId = gatewayId();
  const eventType = routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE';
  const ctx: WebSocketRequestContext = {
    routeKey,
    eventType,
    ...extra,
    extendedRequestId: requestId,
    requestTime: formatRequestTime(now),
    messageDirection: 'IN',
    stage: facts.stage,
    connectedAt: facts.connectedAt,
    requestTimeEpoch: now,
    identity: { ...facts.identity },
    requestId,
    domainName: facts.domainName,
    connectionId: facts.connectionId,
    apiId: facts.apiId,
  };
  if (facts.authorizer) ctx.authorizer = { ...facts.authorizer };
  return ctx;
}

/**
 * Splits raw Node headers (`req.rawHeaders`, which keep the client's casing)
 * into API Gateway's single- and multi-value maps; the single-value map
 * keeps the last value, as API Gateway does.
 */
export function forwardHeaders(
  rawHeaders: string[],
  extra: Record<string, string>,
): Pick<ForwardedRequest, 'headers' | 'multiValueHeaders'> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    // Reuse the casing of the first occurrence of a header name.
    const existing = Object.keys(multiValueHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
    const key = existing ?? name;
    (multiValueHeaders[key] ??= []).push(value);
    headers[key] = value;
  };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // API Gateway terminates the HTTP connection; hop-by-hop headers are not forwarded.
    if (/^(connection|upgrade)$/i.test(name)) continue;
    add(name, rawHeaders[i + 1]!);
  }
  for (const [name, value] of Object.entries(extra)) {
    const existing = Object.keys(multiValueHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing) {
      delete multiValueHeaders[existing];
      delete headers[existing];
    }
    add(name, value);
  }
  return { headers, multiValueHeaders };
}

/** Query string parameters; absent (not empty) when the URL has none, as on AWS. */
export function forwardQuery(
  search: URLSearchParams,
): Pick<ForwardedRequest, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  const keys = [...new Set(search.keys())];
  if (keys.length === 0) return {};
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const key of keys) {
    const values = search.getAll(key);
    multi[key] = values;
    single[key] = values[values.length - 1]!;
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

export function connectEvent(facts: ConnectionFacts, request: ForwardedRequest, now = Date.now()): WebSocketEvent {
  const event: WebSocketEvent = {
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    requestContext: requestContext(facts, '$connect', now),
    isBase64Encoded: false,
  };
  if (request.queryStringParameters) {
    event.queryStringParameters = request.queryStringParameters;
    event.multiValueQueryStringParameters = request.multiValueQueryStringParameters;
  }
  return event;
}

export function messageEvent(facts: ConnectionFacts, body: string, now = Date.now()): WebSocketEvent {
  return {
    requestContext: requestContext(facts, '$default', now, { messageId: gatewayId() }),
    body,
    isBase64Encoded: false,
  };
}

export function disconnectEvent(
  facts: ConnectionFacts,
  statusCode: number,
  reason: string,
  now = Date.now(),
): WebSocketEvent {
  const host = facts.domainName;
  const headers: Record<string, string> = {
    Host: host,
    'x-api-key': '',
    'X-Forwarded-For': '',
    'x-restapi': '',
  };
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) multiValueHeaders[k] = [v];
  return {
    headers,
    multiValueHeaders,
    requestContext: requestContext(facts, '$disconnect', now, {
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    }),
    isBase64Encoded: false,
  };
}

export function authorizerEvent(
  facts: ConnectionFacts,
  request: ForwardedRequest,
  methodArn: string,
  now = Date.now(),
): AuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    queryStringParameters: request.queryStringParameters ?? {},
    multiValueQueryStringParameters: request.multiValueQueryStringParameters ?? {},
    stageVariables: {},
    requestContext: requestContext({ ...facts, authorizer: undefined }, '$connect', now),
  };
}

/**
 * The frame API Gateway sends to the client when the integration of a
 * message fails (the Lambda throws, times out, or returns garbage), byte for
 * byte including its odd spacing.
 */
export function gatewayErrorFrame(message: string, connectionId: string, requestId: string): string {
  return `{"message": ${JSON.stringify(message)}, "connectionId":${JSON.stringify(connectionId)}, "requestId":${JSON.stringify(requestId)}}`;
}
