import { parseMessage } from '../protocol/parse-message.js';
import type { MessageSender } from './ports.js';

/**
 * One answer per request: once the deadline has failed a request, both its
 * 503 and the abandoned work (which may still finish, or fail) would answer
 * it — a late success after "try again" tells the client the opposite of
 * what it was first told. The first answer to that request goes out, any
 * later one is dropped; everything else the work posts (announcements,
 * relayed answers to others) still goes out.
 */
export interface AnsweredByDeadline {
  connectionId: string;
  requestId: number;
  /** Set by the first answer posted after the deadline. */
  answered: boolean;
}

export function droppingLateAnswers(sender: MessageSender, deadlineHit: () => AnsweredByDeadline | undefined): MessageSender {
  return {
    async post(connectionId, message) {
      const guard = deadlineHit();
      const { response, id } = message.message as { response?: unknown; id?: unknown };
      if (guard && response === true && id === guard.requestId && connectionId === guard.connectionId) {
        if (guard.answered) return 'sent';
        guard.answered = true;
      }
      return sender.post(connectionId, message);
    },
    close: (connectionId) => sender.close(connectionId),
  };
}

/** The id of the request a message body carries, if it is one. */
export function requestIdOf(body: string | undefined | null): number | undefined {
  const parsed = parseMessage(body);
  return parsed.kind === 'request' ? parsed.message.id : parsed.kind === 'invalid-request' ? parsed.id : undefined;
}
