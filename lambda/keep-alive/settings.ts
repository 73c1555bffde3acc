/**
 * The keep-alive sweep's settings, from the sweep function's environment
 * (the CDK construct sets them from its `keepAlive` prop; the local stack
 * derives them from its idle timeout). A bad value fails loudly at the first
 * run rather than keep connections alive by surprise or not at all.
 */
export interface KeepAliveSettings {
  /** KEEP_ALIVE=off: the sweep does nothing. */
  enabled: boolean;
  /** KEEP_ALIVE_TICK_MS: the schedule's period (60000 for `rate(1 minute)`). */
  tickMs: number;
  /** KEEP_ALIVE_INTERVAL_MS / tick: every connection is visited once per this many ticks. */
  intervalTicks: number;
  /** KEEP_ALIVE_METHOD: the notification every visited connection gets. */
  method: string;
  /** The notice sent instead at the last visit before API Gateway's hard close; undefined when off. */
  expiring?: { method: string; maxConnectionMs: number };
}

export const DEFAULT_KEEP_ALIVE = {
  tickMs: 60_000,
  /** 8 min: API Gateway closes after 10 silent minutes, and a scheduled run may start up to a minute late. */
  intervalMs: 8 * 60_000,
  method: 'serverKeepAlive',
  expiringMethod: 'connectionExpiring',
  /** API Gateway's maximum connection duration, 2 h. */
  maxConnectionMs: 2 * 60 * 60_000,
} as const;

/** What protoo-client accepts as a method, kept to characters safe in logs and metrics. */
export const METHOD_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export function keepAliveSettingsFromEnv(env: NodeJS.ProcessEnv): KeepAliveSettings {
  const enabled = onOff(env, 'KEEP_ALIVE');
  const tickMs = whole(env, 'KEEP_ALIVE_TICK_MS', DEFAULT_KEEP_ALIVE.tickMs);
  const intervalMs = whole(env, 'KEEP_ALIVE_INTERVAL_MS', DEFAULT_KEEP_ALIVE.intervalMs);
  if (intervalMs < tickMs) throw new Error(`KEEP_ALIVE_INTERVAL_MS (${intervalMs}) must be at least KEEP_ALIVE_TICK_MS (${tickMs})`);
  return {
    enabled,
    tickMs,
    intervalTicks: Math.floor(intervalMs / tickMs),
    method: method(env, 'KEEP_ALIVE_METHOD', DEFAULT_KEEP_ALIVE.method),
    expiring: onOff(env, 'CONNECTION_EXPIRING_NOTICE')
      ? {
          method: method(env, 'CONNECTION_EXPIRING_METHOD', DEFAULT_KEEP_ALIVE.expiringMethod),
          maxConnectionMs: whole(env, 'MAX_CONNECTION_MS', DEFAULT_KEEP_ALIVE.maxConnectionMs),
        }
      : undefined,
  };
}

function onOff(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`${name} must be "on" or "off", got "${raw}"`);
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1 (ms), got "${raw}"`);
  return value;
}

function method(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!METHOD_PATTERN.test(value)) throw new Error(`${name} must match ${METHOD_PATTERN}, got "${value}"`);
  return value;
}
