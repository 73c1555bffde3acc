import { markInternal } from './error-answer.js';

/**
 * Each invocation's work ends by a deadline below the Lambda timeout, so a
 * browned-out dependency is answered 503 "try again" and logged instead of
 * running to the platform's timeout (no answer, no log line, and a
 * concurrent execution held for the whole timeout).
 *
 * - On Lambda the deadline is the remaining time less ANSWER_RESERVE_MS,
 *   which is kept to post the 503 and log: with the stack's 10 s timeout,
 *   8 s of work. INVOCATION_DEADLINE_MS, when set, caps it further.
 * - Without a Lambda context (tests, other callers) it is
 *   INVOCATION_DEADLINE_MS, or DEFAULT_INVOCATION_DEADLINE_MS.
 */
export const ANSWER_RESERVE_MS = 2_000;
export const DEFAULT_INVOCATION_DEADLINE_MS = 8_000;
/** Kept after the answer so the handler returns before the platform's timeout. */
const RETURN_MARGIN_MS = 250;

/** The part of a Lambda context the deadline reads. */
interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

function remainingTime(context: unknown): number | undefined {
  const get = (context as Partial<RemainingTime> | undefined)?.getRemainingTimeInMillis;
  return typeof get === 'function' ? get.call(context) : undefined;
}

/** Milliseconds from now that the invocation's work may take. */
export function workBudgetMs(context: unknown, configuredMs?: number): number {
  const remaining = remainingTime(context);
  if (remaining === undefined) return configuredMs ?? DEFAULT_INVOCATION_DEADLINE_MS;
  // A timeout shorter than twice the reserve still leaves half of it for work.
  const derived = Math.max(remaining - ANSWER_RESERVE_MS, remaining / 2);
  return Math.min(derived, configuredMs ?? Infinity);
}

/** Milliseconds from now that answering a failure may take. */
export function answerBudgetMs(context: unknown): number {
  const remaining = remainingTime(context);
  return remaining === undefined ? ANSWER_RESERVE_MS : Math.max(0, remaining - RETURN_MARGIN_MS);
}

/**
 * The invocation ran out of time. Internal (its text never reaches a
 * client) and retryable (`code` ETIMEDOUT): the client is told 503.
 */
export class DeadlineExceededError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly budgetMs: number) {
    super(`the invocation's work did not finish within its deadline (${Math.round(budgetMs)} ms)`);
    this.name = 'DeadlineExceededError';
    markInternal(this);
  }
}

/**
 * `work`, or a DeadlineExceededError after `budgetMs`. The work is not
 * cancelled (its SDK calls are bounded on their own): `onLate` hears how it
 * ended, so a late failure is logged rather than an unhandled rejection.
 */
export async function withDeadline<T>(work: Promise<T>, budgetMs: number, onLate: (outcome: { value?: T; error?: unknown }) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new DeadlineExceededError(budgetMs));
    }, budgetMs);
  });
  work.then(
    (value) => late && onLate({ value }),
    (error: unknown) => late && onLate({ error }),
  );
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work` at most `budgetMs`; true if it finished in time. Never rejects. */
export async function within(work: Promise<unknown>, budgetMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), budgetMs)));
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
