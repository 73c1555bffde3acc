/**
 * The runtime's CloudWatch metrics, through Powertools Metrics (Embedded
 * Metric Format: a JSON line on stdout that CloudWatch Logs turns into
 * metrics, no API call, no added latency).
 *
 * Per message (dimensions service, route): Messages, HandlerErrors,
 * RateLimited, Duration and, once a counting sender reports posts, Posts,
 * PostsFailed, Gone and FanOut (posts made for that one message).
 * Per message (dimensions service, route, outcome): MessagesByOutcome.
 *
 * Only on Lambda: locally and in tests (no AWS_LAMBDA_FUNCTION_NAME) nothing
 * is emitted. POWERTOOLS_METRICS_DISABLED=true turns them off on Lambda too.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

import type { LogFields } from '../log.js';
import { RATE_LIMITED_OUTCOMES } from '../runtime/rate-limit-gate.js';

export const DEFAULT_NAMESPACE = 'ProtooServerless';
export const DEFAULT_SERVICE = 'protoo';

export type PostResult = 'sent' | 'gone' | 'failed';

export interface RuntimeMetrics {
  /** The route wrapper's line: one connect, disconnect or message handled; publishes. */
  routeFinished(fields: LogFields): void;
  /** One PostToConnection and how it ended. */
  posted(result: PostResult): void;
}

export const NO_METRICS: RuntimeMetrics = { routeFinished() {}, posted() {} };

export function createRuntimeMetrics(env: NodeJS.ProcessEnv = process.env): RuntimeMetrics {
  // Read here too: Powertools itself only looks at process.env.
  if (!env.AWS_LAMBDA_FUNCTION_NAME || /^(true|1|yes|on)$/i.test(env.POWERTOOLS_METRICS_DISABLED ?? '')) return NO_METRICS;
  return new EmfRuntimeMetrics(
    new Metrics({
      namespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_NAMESPACE,
      serviceName: env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE,
    }),
  );
}

let shared: RuntimeMetrics | undefined;
/** One per container, from process.env. */
export function runtimeMetrics(): RuntimeMetrics {
  return (shared ??= createRuntimeMetrics());
}

export class EmfRuntimeMetrics implements RuntimeMetrics {
  // Posts of the invocation in progress. Nothing reports posts until a
  // counting sender is wired: until then, no post metric rather than a false 0.
  #reportsPosts = false;
  #sent = 0;
  #failed = 0;
  #gone = 0;

  constructor(private readonly metrics: Metrics) {}

  posted(result: PostResult): void {
    this.#reportsPosts = true;
    if (result === 'sent') this.#sent++;
    else if (result === 'gone') this.#gone++;
    else this.#failed++;
  }

  routeFinished({ route, outcome, durationMs }: LogFields): void {
    const routeName = String(route ?? 'unknown');
    const outcomeName = String(outcome ?? 'unknown');
    const m = this.metrics;
    m.addDimension('route', routeName);
    m.addMetric('Messages', MetricUnit.Count, 1);
    m.addMetric('HandlerErrors', MetricUnit.Count, outcomeName === 'failed' ? 1 : 0);
    m.addMetric('RateLimited', MetricUnit.Count, RATE_LIMITED_OUTCOMES.has(outcomeName) ? 1 : 0);
    if (typeof durationMs === 'number') m.addMetric('Duration', MetricUnit.Milliseconds, durationMs);
    if (this.#reportsPosts) {
      const posts = this.#sent + this.#gone + this.#failed;
      m.addMetric('Posts', MetricUnit.Count, posts);
      m.addMetric('PostsFailed', MetricUnit.Count, this.#failed);
      m.addMetric('Gone', MetricUnit.Count, this.#gone);
      m.addMetric('FanOut', MetricUnit.Count, posts);
    }
    m.publishStoredMetrics();
    this.#sent = this.#failed = this.#gone = 0;

    // Outcome gets a metric of its own, so the metrics above keep one dimension set.
    const byOutcome = m.singleMetric();
    byOutcome.addDimension('route', routeName);
    byOutcome.addDimension('outcome', outcomeName);
    byOutcome.addMetric('MessagesByOutcome', MetricUnit.Count, 1);
  }
}
