import { parseMessage } from '../protocol/parse-message.js';
import { markInternal } from './error-answer.js';
import type { MessageSender } from './ports.js';

/**
 * One answer per request: once the deadline has answered a request 503
 * "try again", the abandoned work (which may still finish) must not answer
 * it too — a late success after "try again" tells the client the opposite
 * of what it was first told. So the work's answer to that request is
 * refused with AnswerAfterDeadlineError: to the app, an answer that could
 * not be delivered, which an all-or-nothing handler undoes (the room
 * relay's join leaves the roster again, so the client's retry starts
 * clean). Everything else the work posts (announcements, relayed answers
 * to others) still goes out.
 */
export interface AnsweredByDeadline {
  connectionId: string;
  requestId: number;
}

/** The deadline already answered this request; internal, so its text never reaches a client. */
export class AnswerAfterDeadlineError extends Error {
  override readonly name = 'AnswerAfterDeadlineError';
  constructor(readonly requestId: number) {
    super(`request ${requestId} was already answered 503 by the invocation's deadline; its late answer is not sent`);
    markInternal(this);
  }
}

/** Work the deadline has answered for starts nothing new that others would see (a room enrollment); internal. */
export class AbandonedWorkError extends Error {
  override readonly name = 'AbandonedWorkError';
  constructor(what: string) {
    super(`${what} not started: the invocation's deadline has already answered for it`);
    markInternal(this);
  }
}

/**
 * `posted` collects the answers that went out before the deadline (as
 * `answerKey`s): a request whose answer is already on its way gets no 503
 * on top of it.
 */
export function refusingLateAnswers(sender: MessageSender, deadlineHit: () => AnsweredByDeadline | undefined, posted = new Set<string>()): MessageSender {
  return {
    async post(connectionId, message) {
      const guard = deadlineHit();
      const { response, id } = message.message as { response?: unknown; id?: unknown };
      if (response === true && typeof id === 'number') {
        if (guard && id === guard.requestId && connectionId === guard.connectionId) throw new AnswerAfterDeadlineError(guard.requestId);
        posted.add(answerKey(connectionId, id));
      }
      return sender.post(connectionId, message);
    },
    close: (connectionId) => sender.close(connectionId),
  };
}

export const answerKey = (connectionId: string, requestId: number) => `${connectionId} ${requestId}`;

/** The id of the request a message body carries, if it is one. */
export function requestIdOf(body: string | undefined | null): number | undefined {
  const parsed = parseMessage(body);
  return parsed.kind === 'request' ? parsed.message.id : parsed.kind === 'invalid-request' ? parsed.id : undefined;
}
