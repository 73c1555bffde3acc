/**
 * One answer per request once the deadline has failed it
 * (lambda/runtime/deadline-answers.ts): the abandoned work's answer to that
 * request on that connection is refused with AnswerAfterDeadlineError (so
 * the app can undo what it did); everything else it posts — requests and
 * notifications, answers to other requests, answers on other connections —
 * still goes out.
 */
import { describe, expect, it } from 'vitest';
import { encode, type EncodedMessage } from '../../../lambda/protocol/encode.js';
import { createErrorResponse, createNotification, createRequest, createSuccessResponse } from '../../../lambda/protocol/messages.js';
import { errorAnswer } from '../../../lambda/runtime/error-answer.js';
import { AnswerAfterDeadlineError, refusingLateAnswers, type AnsweredByDeadline } from '../../../lambda/runtime/deadline-answers.js';
import type { MessageSender } from '../../../lambda/runtime/ports.js';

/** A sender that delivers everything and records what it delivered. */
function recordingSender() {
  const delivered: { connectionId: string; message: unknown }[] = [];
  const sender: MessageSender = {
    async post(connectionId: string, message: EncodedMessage) {
      delivered.push({ connectionId, message: JSON.parse(new TextDecoder().decode(message.data)) });
      return 'sent';
    },
    async close() {},
  };
  return { sender, delivered };
}

describe('answers after the deadline failed a request', () => {
  it("refuses the work's answer to that request with an internal AnswerAfterDeadlineError, sending nothing", async () => {
    const { sender, delivered } = recordingSender();
    const guard: AnsweredByDeadline = { connectionId: 'c1', requestId: 7 };
    const guarded = refusingLateAnswers(sender, () => guard);
    for (const late of [createSuccessResponse(7, { late: true }), createErrorResponse(7, 500, 'late failure')]) {
      const refused = await guarded.post('c1', encode(late)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AnswerAfterDeadlineError);
      expect(refused).toMatchObject({ requestId: 7 });
      expect(errorAnswer(refused).source).toBe('internal');
    }
    expect(delivered).toEqual([]);
  });

  it('still posts everything else the abandoned work sends', async () => {
    const { sender, delivered } = recordingSender();
    const guard: AnsweredByDeadline = { connectionId: 'c1', requestId: 7 };
    const guarded = refusingLateAnswers(sender, () => guard);
    const others = [
      // A server → client request that happens to carry the same id is not an answer.
      { connectionId: 'c1', message: createRequest(7, 'ping') },
      { connectionId: 'c1', message: createNotification('peerClosed', { peerId: 'bob' }) },
      // An answer to another request on the same connection.
      { connectionId: 'c1', message: createSuccessResponse(8, { n: 8 }) },
      // An answer with the same id on another connection (a relayed answer to someone else).
      { connectionId: 'c2', message: createSuccessResponse(7, { n: 7 }) },
    ];
    for (const { connectionId, message } of others) expect(await guarded.post(connectionId, encode(message))).toBe('sent');
    expect(delivered).toEqual(others);
  });

  it('posts every answer while no deadline has failed the request', async () => {
    const { sender, delivered } = recordingSender();
    const guarded = refusingLateAnswers(sender, () => undefined);
    await guarded.post('c1', encode(createSuccessResponse(7)));
    await guarded.post('c1', encode(createSuccessResponse(7)));
    expect(delivered).toHaveLength(2);
  });
});
