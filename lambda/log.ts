/**
 * Structured JSON logs: one line per event, fields a CloudWatch Logs
 * Insights query can filter on. Message payloads are never logged.
 *
 * Written by Powertools for AWS Lambda's Logger (lambda/observability/), so
 * the project keeps only this small interface the runtime depends on.
 */
import { Logger as PowertoolsLogger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

import { ProtooLogFormatter } from './observability/log-formatter.js';
import { meteredLogger } from './observability/metered-logger.js';
import { runtimeMetrics } from './observability/metrics.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface LogFields {
  route?: string;
  connectionId?: string;
  roomId?: string;
  peerId?: string;
  method?: string;
  outcome?: string;
  durationMs?: number;
  errorId?: string;
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** LOG_LEVEL, in either case; anything else is info. */
export function parseLogLevel(value: string | undefined): LogLevel {
  const level = value?.toLowerCase() as LogLevel | undefined;
  return level && LEVELS.includes(level) ? level : 'info';
}

// One per level while warm: handlers ask for a logger on every invocation.
const shared = new Map<LogLevel, Logger>();

/**
 * A Powertools Logger at this level. By default it prints to stdout (stderr
 * for warn and error), as Lambda expects, and on Lambda turns the route
 * wrapper's line into metrics (observability/metered-logger.ts); `write`
 * receives each JSON line instead (tests, tools), with no metrics.
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  if (write) return adapt(new WritingLogger(optionsFor(level), write));
  let logger = shared.get(level);
  if (!logger) shared.set(level, (logger = meteredLogger(adapt(new PowertoolsLogger(optionsFor(level))), runtimeMetrics())));
  return logger;
}

function optionsFor(level: LogLevel): ConstructorOptions {
  return {
    logLevel: level.toUpperCase() as ConstructorOptions['logLevel'],
    // POWERTOOLS_SERVICE_NAME, when set, names the service instead.
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ? undefined : 'protoo',
    logFormatter: new ProtooLogFormatter(),
    jsonReplacerFn: errorReplacer,
  };
}

function adapt(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, fields = {}) => logger.debug(message, fields),
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  };
}

/** Hands each finished line to `write` rather than to the console. */
class WritingLogger extends PowertoolsLogger {
  readonly #write: (line: string) => void;

  constructor(options: ConstructorOptions, write: (line: string) => void) {
    super(options);
    this.#write = write;
  }

  protected override printLog(_level: number, log: LogItem): void {
    log.prepareForPrint();
    this.#write(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

/**
 * Errors are logged whole: the stack, and what the AWS SDK attaches
 * ($fault, $metadata with the request id, a network error's code), so the
 * id a client was given for an internal error leads to all of it.
 */
function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { $fault, $metadata, code, cause } = value as Error & { $fault?: unknown; $metadata?: unknown; code?: unknown };
  return { name: value.name, message: value.message, stack: value.stack, code, $fault, $metadata, cause };
}
