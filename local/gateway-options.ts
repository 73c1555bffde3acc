/** Configuration of the emulated WebSocket API, shared by the gateway's parts. */
import type { AuthorizerConfig } from './authorizer.js';
import type { Backpressure } from './gateway-quotas.js';
import type { Logger } from './logger.js';
import type { RouteKey, WebSocketEvent, WebSocketHandlers } from './types.js';

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
  /**
   * What a Management API POST to a client that does not read meets (see
   * gateway-quotas.ts, BACKPRESSURE). Default: 1 MiB, then 429.
   */
  backpressure?: Partial<Backpressure>;
  functionNames: Record<RouteKey, string>;
  logger: Logger;
}
