import type { AppResponse } from '../app/types.js';
import { encode, PayloadTooLargeError } from '../protocol/encode.js';
import { createErrorResponse, createSuccessResponse } from '../protocol/messages.js';
import { parseMessage } from '../protocol/parse-message.js';
import type { ErrorAnswer } from './error-answer.js';
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
  let encoded;
  try {
    encoded = encode(message);
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    services.log.warn('response too large, answering 413', { connectionId, bytes: error.bytes });
    encoded = encode(createErrorResponse(requestId, 413, error.message));
  }
  return services.sender.post(connectionId, encoded);
}

/**
 * A message whose handling failed outside the app's request handler (its
 * identity could not be read, its answer could not be sent, …): if it was
 * a request, answer it with the internal error, so the client does not
 * wait for its timeout. Best-effort: the store or API may still be failing.
 */
export async function answerFailedMessage(
  services: RuntimeServices,
  connectionId: string,
  body: string | undefined | null,
  answer: ErrorAnswer,
): Promise<void> {
  const parsed = parseMessage(body);
  const requestId = parsed.kind === 'request' ? parsed.message.id : parsed.kind === 'invalid-request' ? parsed.id : undefined;
  if (requestId === undefined) return;
  try {
    await services.sender.post(connectionId, encode(createErrorResponse(requestId, answer.code, answer.reason)));
  } catch (error) {
    services.log.warn('could not answer a failed request', { connectionId, requestId, errorId: answer.errorId, error });
  }
}
