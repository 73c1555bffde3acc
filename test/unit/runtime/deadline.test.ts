/**
 * The invocation deadline (lambda/runtime/deadline.ts): work that outlives
 * its budget fails with a retryable DeadlineExceededError at the budget,
 * not before; how the abandoned work ends later reaches `onLate`, and only
 * then; `within` waits at most its budget and never rejects; neither leaves
 * a timer behind once settled. End to end, a request that outlives
 * INVOCATION_DEADLINE_MS is answered 503 and the log line names the
 * deadline and its budget.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { createLogger } from '../../../lambda/log.js';
import { DeadlineExceededError, within, withDeadline } from '../../../lambda/runtime/deadline.js';
import { createHarness, messageEvent } from '../support/harness.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What a promise has done so far. */
function watch<T>(promise: Promise<T>) {
  const seen: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { settled: true, value }),
    (error: unknown) => Object.assign(seen, { settled: true, error }),
  );
  return seen;
}

/** An onLate that records what it hears, and a promise of the first thing it hears. */
function lateListener<T>() {
  const heard: { value?: T; error?: unknown }[] = [];
  let first!: (outcome: { value?: T; error?: unknown }) => void;
  const firstHeard = new Promise<{ value?: T; error?: unknown }>((resolve) => (first = resolve));
  const onLate = (outcome: { value?: T; error?: unknown }) => {
    heard.push(outcome);
    first(outcome);
  };
  return { heard, firstHeard, onLate };
}

describe('withDeadline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fails work that outlives its budget with a retryable DeadlineExceededError at the budget, not before', async () => {
    const work = deferred<string>();
    const outcome = watch(withDeadline(work.promise, 40, () => {}));
    await vi.advanceTimersByTimeAsync(39);
    expect(outcome.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.error).toBeInstanceOf(DeadlineExceededError);
    expect(outcome.error).toMatchObject({ code: 'ETIMEDOUT', budgetMs: 40 });
  });

  it('returns work that finishes in time, and onLate never hears of it', async () => {
    const late = lateListener<string>();
    await expect(withDeadline(Promise.resolve('done'), 40, late.onLate)).resolves.toBe('done');
    await vi.advanceTimersByTimeAsync(100);
    expect(late.heard).toEqual([]);
  });

  it('passes on a failure before the deadline as it is, and onLate never hears of it', async () => {
    const late = lateListener<string>();
    const failure = new Error('the app threw');
    await expect(withDeadline(Promise.reject(failure), 40, late.onLate)).rejects.toBe(failure);
    await vi.advanceTimersByTimeAsync(100);
    expect(late.heard).toEqual([]);
  });

  it('tells onLate how abandoned work failed after the deadline', async () => {
    const work = deferred<string>();
    const late = lateListener<string>();
    const outcome = watch(withDeadline(work.promise, 40, late.onLate));
    await vi.advanceTimersByTimeAsync(40);
    expect(outcome.error).toBeInstanceOf(DeadlineExceededError);
    expect(late.heard).toEqual([]);
    const failure = new Error('DynamoDB answered at last: throttled');
    work.reject(failure);
    expect(await late.firstHeard).toEqual({ error: failure });
  });

  it('tells onLate what abandoned work returned after the deadline', async () => {
    const work = deferred<string>();
    const late = lateListener<string>();
    const outcome = watch(withDeadline(work.promise, 40, late.onLate));
    await vi.advanceTimersByTimeAsync(40);
    expect(outcome.error).toBeInstanceOf(DeadlineExceededError);
    work.resolve('answered late');
    expect(await late.firstHeard).toEqual({ value: 'answered late' });
  });

  it('leaves no timer running once the work has settled (it would hold the process open for the whole budget)', async () => {
    await withDeadline(Promise.resolve('done'), 8_000, () => {});
    expect(vi.getTimerCount()).toBe(0);
    await withDeadline(Promise.reject(new Error('failed')), 8_000, () => {}).catch(() => undefined);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('within', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is true for work that finishes in time, whether it succeeded or failed: it never rejects', async () => {
    await expect(within(Promise.resolve('posted'), 40)).resolves.toBe(true);
    await expect(within(Promise.reject(new Error('post failed')), 40)).resolves.toBe(true);
  });

  it('gives up on hung work at its budget, not before, with false', async () => {
    const outcome = watch(within(new Promise(() => {}), 40));
    await vi.advanceTimersByTimeAsync(39);
    expect(outcome.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toEqual({ settled: true, value: false });
  });

  it('leaves no timer running once the work has settled', async () => {
    await within(Promise.resolve('posted'), 8_000);
    expect(vi.getTimerCount()).toBe(0);
    await within(Promise.reject(new Error('post failed')), 8_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a request that outlives INVOCATION_DEADLINE_MS', () => {
  it('is answered 503 and logged as a DeadlineExceededError with its budget; its late answer is refused and its finish logged', async () => {
    const release = deferred<void>();
    const slowApp: App = {
      async onRequest(_request, { accept }) {
        await release.promise;
        accept({ late: true });
      },
    };
    const lines: Record<string, any>[] = [];
    const finished = deferred<Record<string, any>>();
    const logger = createLogger('info', (line) => {
      const parsed = JSON.parse(line);
      lines.push(parsed);
      if (parsed.message === 'message finished after its deadline') finished.resolve(parsed);
    });
    const h = createHarness(slowApp, { env: { TABLE_NAME: 'protoo', INVOCATION_DEADLINE_MS: '30' }, logger });
    h.givenConnection('c1', 'room1', 'alice');
    h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1' }]);

    const started = Date.now();
    expect(await h.handlers.message(messageEvent('c1', { request: true, id: 5, method: 'slow', data: {} }))).toEqual({ statusCode: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(Date.now() - started).toBeLessThan(5_000);

    expect(h.postedTo('c1')).toEqual([
      { response: true, id: 5, ok: false, errorCode: 503, errorReason: expect.stringMatching(/^temporarily unavailable, try again \(id [0-9a-f]{12}\)$/) },
    ]);
    const failed = lines.find((line) => line.level === 'error' && line.message === 'message');
    expect(failed?.error).toMatchObject({ name: 'DeadlineExceededError', code: 'ETIMEDOUT', message: expect.stringMatching(/deadline \(30 ms\)/) });

    release.resolve();
    // The late success would contradict the 503: it is refused (the app hears it could not be delivered), not posted.
    expect(await finished.promise).toMatchObject({ level: 'warn', connectionId: 'c1', outcome: 'failed', error: expect.objectContaining({ name: 'AnswerAfterDeadlineError' }) });
    expect(h.postedTo('c1')).toHaveLength(1);
  });

  it('that answered before the deadline gets no 503 on top of its answer', async () => {
    const release = deferred<void>();
    const answersThenHangs: App = {
      async onRequest(_request, { accept }) {
        await accept({ first: true });
        await release.promise;
      },
    };
    const lines: Record<string, any>[] = [];
    const logger = createLogger('info', (line) => lines.push(JSON.parse(line)));
    const h = createHarness(answersThenHangs, { env: { TABLE_NAME: 'protoo', INVOCATION_DEADLINE_MS: '30' }, logger });
    h.givenConnection('c1', 'room1', 'alice');
    h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1' }]);

    expect(await h.handlers.message(messageEvent('c1', { request: true, id: 6, method: 'x', data: {} }))).toEqual({ statusCode: 200 });
    release.resolve();
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 6, ok: true, data: { first: true } }]);
    expect(lines.find((line) => line.message === 'the deadline passed after the request was answered: no second answer')).toMatchObject({ level: 'warn', connectionId: 'c1', requestId: 6 });
  });
});
