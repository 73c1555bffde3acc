import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { encode } from '../../../lambda/protocol/encode.js';
import { createNotification } from '../../../lambda/protocol/messages.js';
import type { LogFields } from '../../../lambda/log.js';
import { countingSender } from '../../../lambda/observability/counting-sender.js';
import { meteredLogger } from '../../../lambda/observability/metered-logger.js';
import { createRuntimeMetrics, EmfRuntimeMetrics, NO_METRICS, type PostResult, type RuntimeMetrics } from '../../../lambda/observability/metrics.js';

/** A small notification, encoded as every post is. */
const hi = encode(createNotification('hi'));

type Emf = { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] }; [key: string]: unknown };

/** The EMF lines Powertools prints to stdout while `run` runs. */
function emfOf(run: () => void): Emf[] {
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  let written: string[];
  try {
    run();
  } finally {
    // Read before restoring: restoring forgets the calls.
    written = stdout.mock.calls.map(([chunk]) => String(chunk));
    stdout.mockRestore();
  }
  return written.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
}

const metricNames = (emf: Emf) => emf._aws.CloudWatchMetrics[0].Metrics.map((m) => m.Name);

function recorder() {
  const routes: LogFields[] = [];
  const posts: PostResult[] = [];
  const metrics: RuntimeMetrics = { routeFinished: (f) => routes.push(f), posted: (r) => posts.push(r) };
  return { routes, posts, metrics };
}

describe('runtime metrics (Powertools Metrics, EMF)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('emit one message’s route metrics, and its outcome apart', () => {
    const metrics = new EmfRuntimeMetrics(new Metrics({ namespace: 'Test', serviceName: 'protoo' }));
    const [perRoute, byOutcome, ...rest] = emfOf(() => metrics.routeFinished({ route: '$default', outcome: 'failed', durationMs: 42 }));
    expect(rest).toHaveLength(0);
    expect(perRoute._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Test', Dimensions: [['service', 'route']] });
    expect(perRoute).toMatchObject({ service: 'protoo', route: '$default', Messages: 1, HandlerErrors: 1, RateLimited: 0, Duration: 42 });
    expect(perRoute._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'Duration', Unit: 'Milliseconds' });
    // No sender reported posts: no post metric rather than a false zero.
    expect(metricNames(perRoute)).not.toContain('Posts');
    expect(byOutcome._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'route', 'outcome']]);
    expect(byOutcome).toMatchObject({ route: '$default', outcome: 'failed', MessagesByOutcome: 1 });
  });

  it('count rate-limited messages', () => {
    const metrics = new EmfRuntimeMetrics(new Metrics({ namespace: 'Test' }));
    const [perRoute] = emfOf(() => metrics.routeFinished({ route: '$default', outcome: 'rate-limited', durationMs: 1 }));
    expect(perRoute).toMatchObject({ RateLimited: 1, HandlerErrors: 0 });
  });

  it('sum one invocation’s posts into Posts, PostsFailed, Gone and FanOut, then start again', () => {
    const metrics = new EmfRuntimeMetrics(new Metrics({ namespace: 'Test' }));
    for (const result of ['sent', 'sent', 'gone', 'failed'] as const) metrics.posted(result);
    const [first] = emfOf(() => metrics.routeFinished({ route: '$default', outcome: 'notification', durationMs: 5 }));
    expect(first).toMatchObject({ Posts: 4, PostsFailed: 1, Gone: 1, FanOut: 4 });
    metrics.posted('sent');
    const [second] = emfOf(() => metrics.routeFinished({ route: '$default', outcome: 'notification', durationMs: 5 }));
    expect(second).toMatchObject({ Posts: 1, PostsFailed: 0, Gone: 0, FanOut: 1 });
  });

  it('are off locally and in tests, on in Lambda', () => {
    expect(createRuntimeMetrics({})).toBe(NO_METRICS);
    const onLambda = createRuntimeMetrics({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_METRICS_NAMESPACE: 'Mine' });
    const [emf] = emfOf(() => onLambda.routeFinished({ route: '$connect', outcome: 'connected', durationMs: 3 }));
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('Mine');
    const disabled = createRuntimeMetrics({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_METRICS_DISABLED: 'true' });
    expect(emfOf(() => disabled.routeFinished({ route: '$connect', outcome: 'connected', durationMs: 3 }))).toEqual([]);
  });
});

describe('the route line becomes the metrics', () => {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };

  it('takes the wrapper’s line, at any level, and nothing else', () => {
    const { routes, metrics } = recorder();
    const log = meteredLogger(silent, metrics);
    log.info('message', { route: '$default', connectionId: 'c1', outcome: 'response', durationMs: 7 });
    log.debug('message', { route: '$default', outcome: 'rate-limited', durationMs: 1 });
    log.error('connect', { route: '$connect', outcome: 'failed', errorId: 'e', durationMs: 9 });
    log.warn('message finished after its deadline', { route: '$default', outcome: 'done', durationMs: 3100 });
    log.warn('notification not delivered', { roomId: 'r', peerId: 'p' });
    expect(routes.map((f) => f.outcome)).toEqual(['response', 'rate-limited', 'failed']);
  });

  it('still writes every line', () => {
    const lines: string[] = [];
    const log = meteredLogger({ ...silent, info: (m) => lines.push(m) }, NO_METRICS);
    log.info('message', { route: '$default', outcome: 'response', durationMs: 7 });
    expect(lines).toEqual(['message']);
  });
});

describe('the counting sender', () => {
  it('reports each post’s result and passes it on; a failure still throws', async () => {
    const { posts, metrics } = recorder();
    const results: ('sent' | 'gone' | Error)[] = ['sent', 'gone', new Error('timed out')];
    const sender = countingSender(
      {
        post: async () => {
          const next = results.shift()!;
          if (next instanceof Error) throw next;
          return next;
        },
        close: async () => {},
      },
      metrics,
    );
    expect(await sender.post('c1', hi)).toBe('sent');
    expect(await sender.post('c2', hi)).toBe('gone');
    await expect(sender.post('c3', hi)).rejects.toThrow('timed out');
    expect(posts).toEqual(['sent', 'gone', 'failed']);
  });
});

describe('on Lambda, the runtime logger', () => {
  afterEach(() => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    vi.resetModules();
  });

  it('writes the route line and its metrics', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'protoo-message';
    vi.resetModules();
    const { createLogger } = await import('../../../lambda/log.js');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    createLogger('info').info('message', { route: '$default', connectionId: 'c1', outcome: 'response', durationMs: 8 });
    const lines = stdout.mock.calls.map(([chunk]) => JSON.parse(String(chunk)));
    stdout.mockRestore();
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', message: 'message', outcome: 'response' }),
      expect.objectContaining({ _aws: expect.anything(), route: '$default', Messages: 1, Duration: 8 }),
      expect.objectContaining({ _aws: expect.anything(), outcome: 'response', MessagesByOutcome: 1 }),
    ]);
  });
});
