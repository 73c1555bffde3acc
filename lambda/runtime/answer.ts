import type { AppResponse } from '../app/types.js';
import { PayloadTooLargeError } from '../delivery/payload-limit.js';
import { createErrorResponse, createSuccessResponse } from '../protocol/messages.js';
import type { RuntimeServices } from './ports.js';

/**
 * Posts the answer to a client's request. An answer too big for API
 * Gateway becomes a 413 error response, so the client is never left
 * waiting for a message that could not be sent.
 */
export async function postAnswer(
  services: RuntimeServices,
  connectionId: string,
  requestId: number,
  response: AppResponse,
): Promise<'sent' | 'gone'> {
  const message = response.ok
    ? createSuccessResponse(requestId, response.data ?? {})
    : createErrorResponse(requestId, response.errorCode, response.errorReason);
  try {
    return await services.sender.post(connectionId, message);
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    services.log.warn('response too large, answering 413', { connectionId, bytes: error.bytes });
    return services.sender.post(connectionId, createErrorResponse(requestId, 413, error.message));
  }
}
