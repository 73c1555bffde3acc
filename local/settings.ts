/**
 * `npm start`'s settings: every environment variable it reads, validated
 * before anything starts. A bad value is refused with a SettingError whose
 * message is one line naming the variable, what is allowed and what was
 * given — never silently replaced by a default. An empty value counts as
 * unset (so `DYNAMODB_ENDPOINT= npm start` means "no endpoint").
 *
 * The runtime's own variables are checked by the very functions that
 * read them at the first invocation, so a value they would refuse fails
 * here, at start, instead of failing every handshake with a 500. No AWS
 * SDK is loaded here: start.ts validates before it loads the stack.
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { limitsFromEnv } from '../lambda/apps/room-relay/limits.js';
import { keepAliveSettingsFromEnv } from '../lambda/keep-alive/settings.js';
import { checkRuntimeSettings } from '../lambda/runtime-settings.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';

export class SettingError extends Error {
  override name = 'SettingError';
}

/** The runtime's LOG_LEVEL values (lambda/log.ts matches them exactly). */
export const RUNTIME_LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export const ENGINES = ['dynalite', 'dynamodb-local', 'none'] as const;
export const LOCAL_AUTH_MODES = ['none', 'token'] as const;
/** As lambda/auth/join-token.ts requires of an HS256 secret. */
const MIN_SECRET_BYTES = 32;

/** API Gateway's integration timeout for WebSocket APIs: 50 ms – 29 s, not adjustable. */
export const INTEGRATION_TIMEOUT_RANGE = { min: 50, max: 29_000 } as const;
/** Node's timers overflow above 2^31-1 ms (and then fire at once). */
export const MAX_TIMER_MS = 2_147_483_647;

export type EngineSetting = (typeof ENGINES)[number] | { endpoint: string };

export interface StartSettings {
  host: string;
  port: number;
  stage: string;
  /** Absolute path of PROTOO_APP, or undefined for the default app. */
  app?: string;
  tableName?: string;
  dynamodb: EngineSetting;
  idleTimeoutMs?: number;
  maxConnectionDurationMs?: number;
  integrationTimeoutMs?: number;
  localStackLog: LogLevel;
  /** LOG_LEVEL for the runtime, when set. */
  runtimeLogLevel?: string;
  /**
   * LOCAL_AUTH=token: the join-token authorizer on $connect, with
   * LOCAL_AUTH_SECRET or a development secret generated at start.
   * Undefined: anonymous (the default, for a zero-step start).
   */
  localAuth?: { secret?: string };
}

type Env = Record<string, string | undefined>;

/** The value as given, quoted and cut short, so the error stays one line. */
function shown(raw: string): string {
  const quoted = JSON.stringify(raw);
  return quoted.length > 60 ? `${quoted.slice(0, 57)}…"` : quoted;
}

function fail(name: string, rule: string, raw: string): never {
  throw new SettingError(`${name} must be ${rule}, got ${shown(raw)}`);
}

function get(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function integer(env: Env, name: string, min: number, max: number, rule?: string): number | undefined {
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(value >= min && value <= max)) fail(name, rule ?? `an integer from ${min} to ${max}`, raw);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) fail(name, `one of ${allowed.join(', ')}`, raw);
  return raw as T;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// API Gateway stage names: letters, digits, hyphens, underscores, at most 128.
const STAGE = /^[A-Za-z0-9_-]{1,128}$/;
// DynamoDB table names.
const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
// What the AWS SDK accepts as a region (a host label).
const REGION = /^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/;

function host(env: Env): string {
  const raw = get(env, 'HOST');
  if (raw === undefined) return '127.0.0.1';
  if (isIP(raw) === 0 && !HOSTNAME.test(raw)) fail('HOST', 'an IP address or a host name (e.g. 127.0.0.1, 0.0.0.0, ::1, localhost)', raw);
  return raw;
}

function dynamodb(env: Env): EngineSetting {
  const endpoint = get(env, 'DYNAMODB_ENDPOINT');
  const engine = oneOf(env, 'DYNAMODB_ENGINE', ENGINES);
  if (endpoint === undefined) return engine ?? 'dynalite';
  if (engine !== undefined) {
    throw new SettingError(`DYNAMODB_ENDPOINT and DYNAMODB_ENGINE=${engine} conflict: set only one (an endpoint means no local engine)`);
  }
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('DYNAMODB_ENDPOINT', 'an http:// or https:// URL', endpoint);
  return { endpoint };
}

function app(env: Env, cwd: string): string | undefined {
  const raw = get(env, 'PROTOO_APP');
  if (raw === undefined) return undefined;
  const path = resolve(cwd, raw);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new SettingError(`PROTOO_APP must name a module file, got ${shown(raw)}: ${path} ${stat ? 'is not a file' : 'does not exist'}`);
  return path;
}

function pattern(env: Env, name: string, re: RegExp, rule: string): string | undefined {
  const raw = get(env, name);
  if (raw !== undefined && !re.test(raw)) fail(name, rule, raw);
  return raw;
}

function localAuth(env: Env): StartSettings['localAuth'] {
  const mode = oneOf(env, 'LOCAL_AUTH', LOCAL_AUTH_MODES) ?? 'none';
  const secret = get(env, 'LOCAL_AUTH_SECRET');
  if (mode === 'none') {
    if (secret !== undefined) throw new SettingError('LOCAL_AUTH_SECRET needs LOCAL_AUTH=token');
    return undefined;
  }
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new SettingError(`LOCAL_AUTH_SECRET must be at least ${MIN_SECRET_BYTES} bytes, got ${Buffer.byteLength(secret)}`);
  }
  return { secret };
}

/** The keep-alive sweep's own variables (KEEP_ALIVE, KEEP_ALIVE_INTERVAL_MS, …), checked as the runtime will read them. */
function keepAlive(env: Env): void {
  try {
    keepAliveSettingsFromEnv({ ...env, CONNECTION_EXPIRING_NOTICE: env.MAX_CONNECTION_MS === '0' ? 'off' : env.CONNECTION_EXPIRING_NOTICE });
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
}

/**
 * The runtime's variables (RATE_LIMIT_*, FAN_OUT_CONCURRENCY, DYNAMODB_TIMEOUT_MS,
 * INVOCATION_DEADLINE_MS, POST_TIMEOUT_MS, REPLACEMENT_BACKOFF_*, and the room
 * relay's ROOM_MAX_PEERS, PEER_INFO_MAX_BYTES), which the handlers read once.
 */
function runtime(env: Env): void {
  try {
    checkRuntimeSettings(env);
    limitsFromEnv(env);
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
}

/** Reads and validates every variable `npm start` uses; throws SettingError on the first bad one. */
export function readSettings(env: Env = process.env, cwd = process.cwd()): StartSettings {
  const settings: StartSettings = {
    host: host(env),
    port: integer(env, 'PORT', 0, 65_535, 'a port number from 0 (any free port) to 65535') ?? 8080,
    stage: pattern(env, 'STAGE', STAGE, 'a stage name of 1-128 letters, digits, - or _') ?? 'local',
    app: app(env, cwd),
    tableName: pattern(env, 'TABLE_NAME', TABLE, 'a DynamoDB table name of 3-255 letters, digits, _ - or .'),
    dynamodb: dynamodb(env),
    idleTimeoutMs: integer(env, 'IDLE_TIMEOUT_MS', 0, MAX_TIMER_MS, `an integer from 0 (never) to ${MAX_TIMER_MS} (ms)`),
    maxConnectionDurationMs: integer(env, 'MAX_CONNECTION_MS', 0, MAX_TIMER_MS, `an integer from 0 (never) to ${MAX_TIMER_MS} (ms)`),
    integrationTimeoutMs: integer(
      env,
      'INTEGRATION_TIMEOUT_MS',
      INTEGRATION_TIMEOUT_RANGE.min,
      INTEGRATION_TIMEOUT_RANGE.max,
      `an integer from ${INTEGRATION_TIMEOUT_RANGE.min} to ${INTEGRATION_TIMEOUT_RANGE.max} (ms; API Gateway's range)`,
    ),
    localStackLog: oneOf(env, 'LOCAL_STACK_LOG', LOG_LEVELS) ?? 'info',
    runtimeLogLevel: oneOf(env, 'LOG_LEVEL', RUNTIME_LOG_LEVELS),
    localAuth: localAuth(env),
  };
  pattern(env, 'AWS_REGION', REGION, 'an AWS region name (e.g. us-east-1)');
  keepAlive(env);
  runtime(env);
  return settings;
}
