/**
 * Types shared by the local stack: what a Lambda handler looks like, what
 * API Gateway passes to it and what it may answer.
 *
 * These are deliberately structural (no dependency on @types/aws-lambda at
 * run time) so that a user app written against either the aws-lambda types
 * or plain objects plugs in unchanged.
 */

/** The proxy-integration result a WebSocket route handler returns. */
export interface RouteResult {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** Subset of the Lambda Node.js `context` object that real handlers use. */
export interface LambdaLikeContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  done(error?: unknown, result?: unknown): void;
  fail(error: unknown): void;
  succeed(result: unknown): void;
}

export type LambdaCallback<R = unknown> = (error?: unknown, result?: R) => void;

/**
 * A Lambda handler as the Node.js runtime calls it: async (returns a
 * promise) or callback style.
 */
export type LambdaHandler<E = any, R = any> = (
  event: E,
  context: LambdaLikeContext,
  callback: LambdaCallback<R>,
) => Promise<R | undefined | void> | R | undefined | void;

/** The three entry points of a WebSocket API wired like ours, and the keep-alive sweep the schedule runs. */
export interface WebSocketHandlers {
  connect: LambdaHandler<WebSocketEvent, RouteResult>;
  disconnect: LambdaHandler<WebSocketEvent, RouteResult>;
  message: LambdaHandler<WebSocketEvent, RouteResult>;
  /** Optional here: an app module without it runs with no keep-alive (and says so). */
  sweep?: LambdaHandler;
}

export type RouteKey = '$connect' | '$disconnect' | '$default';
export type EventType = 'CONNECT' | 'DISCONNECT' | 'MESSAGE';

export interface WebSocketIdentity {
  sourceIp: string;
  userAgent?: string;
}

export interface WebSocketRequestContext {
  routeKey: RouteKey;
  eventType: EventType;
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: WebSocketIdentity;
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer?: Record<string, unknown>;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

/** The event API Gateway sends to a WebSocket route's Lambda proxy integration. */
export interface WebSocketEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
}

/** Event of a Lambda REQUEST authorizer attached to `$connect`. */
export interface AuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  stageVariables: Record<string, string>;
  requestContext: WebSocketRequestContext;
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  Resource?: string | string[];
}

/** What a Lambda REQUEST authorizer returns (IAM policy + context). */
export interface AuthorizerResult {
  principalId?: string;
  policyDocument: { Version?: string; Statement: PolicyStatement[] };
  context?: Record<string, string | number | boolean>;
  usageIdentifierKey?: string;
}
