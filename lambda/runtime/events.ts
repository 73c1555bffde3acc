/**
 * The parts of API Gateway's WebSocket events the runtime reads. Declared
 * here (not taken from @types/aws-lambda) so the runtime names exactly
 * what it depends on and tests can build events by hand.
 */
export interface WebSocketRequestContext {
  routeKey: string;
  eventType?: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  connectionId: string;
  domainName?: string;
  stage?: string;
  requestId?: string;
  /** A $connect authorizer's context, delivered on every route. */
  authorizer?: Record<string, unknown> | null;
  identity?: { sourceIp?: string };
  /** Epoch ms at which API Gateway accepted the connection (every route carries it). */
  connectedAt?: number;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

export interface WebSocketEvent {
  requestContext: WebSocketRequestContext;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** HTTP header names are case-insensitive; API Gateway keeps the client's case. */
export function headerValues(event: WebSocketEvent, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && list) values.push(...list);
  }
  if (values.length > 0) return values;
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) values.push(value);
  }
  return values;
}

/** What a route reports back for its log line (and, for $connect, the HTTP answer). */
export interface RouteOutcome {
  outcome: string;
  result?: WebSocketResult;
  roomId?: string;
  peerId?: string;
  method?: string;
}
