/**
 * Structured JSON logs: one line per event, fields a CloudWatch Logs
 * Insights query can filter on. Message payloads are never logged.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogFields {
  route?: string;
  connectionId?: string;
  roomId?: string;
  peerId?: string;
  method?: string;
  outcome?: string;
  durationMs?: number;
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value && value in SEVERITY ? (value as LogLevel) : 'info';
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => console.log(line)): Logger {
  const threshold = SEVERITY[level];
  const emit = (lineLevel: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (SEVERITY[lineLevel] < threshold) return;
    write(JSON.stringify({ level: lineLevel, time: new Date().toISOString(), message, ...fields }, errorReplacer));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
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
