/**
 * Invokes a route's handler as API Gateway's Lambda integration would:
 * with the route's function identity and the integration timeout, after
 * the `beforeInvoke` hook tests use to reproduce AWS timing.
 */
import { invokeHandler, type FunctionConfig } from './lambda-context.js';
import { RunsInFlight } from './runs-in-flight.js';
import type { GatewayOptions } from './gateway-options.js';
import type { RouteKey, RouteResult, WebSocketEvent } from './types.js';

type InvokerOptions = Pick<
  GatewayOptions,
  'handlers' | 'functionNames' | 'region' | 'accountId' | 'integrationTimeoutMs' | 'beforeInvoke'
>;

export class RouteInvoker {
  /** Handler runs not yet returned: a stack that stops waits for them before its engine goes. */
  private readonly running = new RunsInFlight();

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
    return this.running.track(invokeHandler(handler, event, this.functionConfig(route), this.options.integrationTimeoutMs));
  }

  /** Resolves once every handler run started so far has returned, or at `deadline` (ms since epoch). */
  idle(deadline: number): Promise<void> {
    return this.running.idle(deadline);
  }

  /** Handler runs not yet returned. */
  get inFlight(): number {
    return this.running.size;
  }

  /** When a handler run last started or returned (ms since epoch). */
  get lastActivity(): number {
    return this.running.lastActivity;
  }
}

/** An invocation failure, for the log. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
