/**
 * The routes an open connection triggers: `$default` for each text message
 * and `$disconnect` once it has ended.
 */
import type { CloseCause } from './close-codes.js';
import type { Connection } from './connection-registry.js';
import { disconnectEvent, gatewayErrorFrame, messageEvent } from './events.js';
import type { GatewayOptions } from './gateway-options.js';
import { InvocationTimeout } from './lambda-context.js';
import { describeError, type RouteInvoker } from './route-invoker.js';
import { sendData } from './send-data.js';

export interface DispatchContext {
  readonly options: Pick<GatewayOptions, 'routeResponses' | 'maxFrameBytes' | 'logger'>;
  readonly invoker: RouteInvoker;
}

/**
 * Invokes `$default` for one text message. Its result reaches the client
 * only with route responses on; a failure reaches it as API Gateway's
 * error frame.
 */
export async function dispatchMessage(context: DispatchContext, connection: Connection, body: string): Promise<void> {
  const { options, invoker } = context;
  const event = messageEvent(connection.facts, body);
  const { requestId, connectionId } = event.requestContext;
  try {
    const result = await invoker.invoke('$default', event);
    if (options.routeResponses && typeof result?.body === 'string' && connection.state === 'open') {
      await sendData(connection, Buffer.from(result.body, 'utf8'), options.maxFrameBytes);
    }
  } catch (error) {
    const timedOut = error instanceof InvocationTimeout;
    options.logger.warn('$default failed', { connectionId, requestId, error: describeError(error) });
    if (connection.state === 'open') {
      const frame = gatewayErrorFrame(
        timedOut ? 'Endpoint request timed out' : 'Internal server error',
        connectionId,
        requestId,
      );
      await sendData(connection, Buffer.from(frame, 'utf8'), options.maxFrameBytes).catch(() => {});
    }
  }
}

/** Invokes `$disconnect` for an ended connection; never rejects. */
export function dispatchDisconnect(context: DispatchContext, connection: Connection, cause: CloseCause): Promise<void> {
  const event = disconnectEvent(connection.facts, cause.statusCode, cause.reason);
  return context.invoker
    .invoke('$disconnect', event)
    .then(() => undefined)
    .catch((error) => {
      // $disconnect is best effort on AWS too: failures are only logged.
      context.options.logger.warn('$disconnect failed', { connectionId: connection.id, error: describeError(error) });
    });
}
