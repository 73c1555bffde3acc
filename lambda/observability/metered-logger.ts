/**
 * The route wrapper already logs one line per invocation with route,
 * outcome and durationMs (the keep-alive sweep one per run): that line is also the metrics, so the wrapper needs
 * no second call (and the two cannot disagree).
 */
import type { LogFields, Logger } from '../log.js';
import type { RuntimeMetrics } from './metrics.js';

/** The wrapper names its line after the handler; any other line (e.g. a late "finished after its deadline") is not a message. */
export const ROUTE_LINE_MESSAGES: ReadonlySet<string> = new Set(['connect', 'disconnect', 'message', 'sweep']);

export function isRouteLine(message: string, fields: LogFields): boolean {
  return ROUTE_LINE_MESSAGES.has(message) && typeof fields.route === 'string' && typeof fields.outcome === 'string' && typeof fields.durationMs === 'number';
}

export function meteredLogger(logger: Logger, metrics: RuntimeMetrics): Logger {
  const metered =
    (level: keyof Logger) =>
    (message: string, fields: LogFields = {}) => {
      logger[level](message, fields);
      // A rate-limited line may be below the log level: it still counts.
      if (isRouteLine(message, fields)) metrics.routeFinished(fields);
    };
  return { debug: metered('debug'), info: metered('info'), warn: metered('warn'), error: metered('error') };
}
