/**
 * Invokes a route's handler as API Gateway's Lambda integration would:
 * with the route's function identity and the integration timeout, after
 * the `beforeInvoke` hook tests use to reproduce AWS timing.
 */
import { invokeHandler, type FunctionConfig } from './lambda-context.js';
import type { GatewayOptions } from './gateway-options.js';
import type { RouteKey, RouteResult, WebSocketEvent } from './types.js';

type InvokerOptions = Pick<
  GatewayOptions,
  'handlers' | 'functionNames' | 'region' | 'accountId' | 'integrationTimeoutMs' | 'beforeInvoke'
>;

export class RouteInvoker {
  constructor(private readonly options: InvokerOptions) {}

  /** The Lambda function identity a route's handler runs as. */
  functionConfig(route: RouteKey): FunctionConfig {
    return {
      functionName: this.options.functionNames[route],
      region: this.options.region,
      accountId: this.options.accountId,
      memoryLimitInMB: 1024,
    };
  }

  async invoke(route: RouteKey, event: WebSocketEvent): Promise<RouteResult> {
    if (this.options.beforeInvoke) await this.options.beforeInvoke(route, event);
    const handlers = this.options.handlers();
    const handler = route === '$connect' ? handlers.connect : route === '$disconnect' ? handlers.disconnect : handlers.message;
    return invokeHandler(handler, event, this.functionConfig(route), this.options.integrationTimeoutMs);
  }
}

/** An invocation failure, for the log. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
