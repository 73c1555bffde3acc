import type { AppData, AppResponse, ReplyHandle } from '../app/types.js';
import { postAnswer } from './answer.js';
import { errorAnswer } from './error-answer.js';
import type { RuntimeServices } from './ports.js';
import type { ConnectionIdentity } from '../store/records.js';

/**
 * accept / reject / defer for one client request, answered at most once.
 * After the handler returns, `finish` turns a throw into an error answer
 * (see error-answer.ts: the app's message, the ProtooError's code, or an
 * internal error's id, never its text) and a handler that forgot to answer
 * into 500, so the client never waits for its timeout.
 */
export class RequestResponder {
  private state: 'pending' | 'answered' | 'deferred' = 'pending';
  private sending: Promise<void> = Promise.resolve();
  /** For the log line: 'ok', 'error:<code>' or 'deferred'. */
  outcome = 'unanswered';

  constructor(
    private readonly services: RuntimeServices,
    private readonly identity: ConnectionIdentity,
    private readonly requestId: number,
  ) {}

  readonly accept = (data: AppData = {}): Promise<void> => this.answer({ ok: true, data });

  readonly reject = (code: number, reason = ''): Promise<void> =>
    this.answer({ ok: false, errorCode: code, errorReason: reason });

  readonly defer = (): ReplyHandle => {
    if (this.state === 'pending') {
      this.state = 'deferred';
      this.outcome = 'deferred';
    }
    return { connectionId: this.identity.connectionId, requestId: this.requestId };
  };

  /** Waits for the answer to be sent, answering on the handler's behalf if needed. */
  async finish(handlerError?: unknown): Promise<void> {
    if (handlerError !== undefined && this.state !== 'answered') {
      const { code, reason, source, errorId } = errorAnswer(handlerError);
      const where = { ...this.identity, requestId: this.requestId, errorCode: code };
      // The id in an internal error's reason finds this line, with the full error.
      if (source === 'internal') this.services.log.error('request failed', { ...where, errorId, error: handlerError });
      else if (source === 'app') this.services.log.warn('request handler threw', { ...where, error: handlerError });
      this.state = 'pending';
      await this.answer({ ok: false, errorCode: code, errorReason: reason });
    } else if (this.state === 'pending') {
      this.services.log.warn('request handler returned without answering', { ...this.identity, requestId: this.requestId });
      await this.answer({ ok: false, errorCode: 500, errorReason: 'request not answered' });
    }
    await this.sending;
  }

  private answer(response: AppResponse): Promise<void> {
    if (this.state !== 'pending') {
      this.services.log.warn('request answered twice; keeping the first answer', { ...this.identity, requestId: this.requestId });
      return this.sending;
    }
    this.state = 'answered';
    this.outcome = response.ok ? 'ok' : `error:${response.errorCode}`;
    this.sending = postAnswer(this.services, this.identity.connectionId, this.requestId, response).then((result) => {
      if (result === 'gone') this.services.gone.report({ connectionId: this.identity.connectionId, identity: this.identity });
    });
    return this.sending;
  }
}
