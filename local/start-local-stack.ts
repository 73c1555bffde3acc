/**
 * `startLocalStack`: the whole local stack in this process — a DynamoDB
 * engine with the runtime's table, the emulated WebSocket API and its
 * Management API on one HTTP port, serving an app's Lambda handlers.
 *
 * The runtime reads its configuration from process.env once, at its first
 * invocation, so this sets TABLE_NAME and DYNAMODB_ENDPOINT (and, only for
 * a local engine when no AWS credentials are configured, dummy keys; see
 * aws-credentials.ts) for as long as the stack runs, restores them on
 * stop(), and loads a fresh instance of the app module for each stack.
 * process.env is per process: two stacks with different tables or engines
 * cannot run in one process at the same time (it throws rather than mix
 * them up); vitest runs each test file in its own process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizerConfig } from './authorizer.js';
import { DUMMY_CREDENTIALS, planCredentials } from './aws-credentials.js';
import { ensureTable, startEngine, type AwsSettings, type EngineSpec, type RunningEngine } from './dynamodb-engines.js';
import { DEFAULT_APP, loadHandlers } from './handlers-module.js';
import { apiId as newApiId } from './ids.js';
import { createDemoServer } from './demo-server.js';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import { createManagementApi } from './management-api.js';
import type { AuthorizerEvent, AuthorizerResult, LambdaHandler, RouteKey, WebSocketEvent, WebSocketHandlers } from './types.js';
import { LIMITS, WebSocketGateway, type Backpressure } from './websocket-gateway.js';
import { keepAlivePlan, startKeepAliveSchedule, type KeepAlivePlan, type KeepAliveSchedule } from './keep-alive-schedule.js';

export type DynamoDbOption = EngineSpec | EngineSpec['kind'] | { endpoint: string };

export interface LocalStackOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Stage name; both `/` and `/{stage}` accept connections. Default `local`. */
  stage?: string;
  /** Module path (relative to cwd) or handlers object. Default: this repo's `lambda/entry.ts`. */
  handlers?: string | WebSocketHandlers;
  /** DynamoDB table name. Default `protoo-local`. */
  tableName?: string;
  /** Engine: 'dynalite' (default), 'dynamodb-local', 'none', or { endpoint }. */
  dynamodb?: DynamoDbOption;
  /** Idle connection timeout (AWS: 10 min). 0 disables. */
  idleTimeoutMs?: number;
  /** Maximum connection duration (AWS: 2 h). 0 disables. */
  maxConnectionDurationMs?: number;
  /** Integration timeout per invocation (AWS: 29 s). */
  integrationTimeoutMs?: number;
  /** A Lambda REQUEST authorizer on `$connect` (function, or function + identity sources). */
  authorizer?: LambdaHandler<AuthorizerEvent, AuthorizerResult> | AuthorizerConfig;
  /** Send `$default` results' bodies to the client (route responses). Default false. */
  routeResponses?: boolean;
  /**
   * Hook before every invocation: its promise delays it (a late
   * `$disconnect`), its rejection drops it (a `$disconnect` AWS never
   * delivers; on `$connect` a rejection is a 500).
   */
  beforeInvoke?: (route: RouteKey, event: WebSocketEvent) => void | Promise<void>;
  /**
   * Hook after `$connect` accepted a connection, before its handshake
   * completes: its promise holds the connection in "connecting" (Management
   * API calls to it answer 410 Gone, as on AWS until the handshake is done),
   * its rejection drops the TCP connection. Tests use it to reproduce the
   * window between `$connect` returning and the client's `open`.
   */
  beforeHandshake?: (event: WebSocketEvent) => void | Promise<void>;
  /**
   * A client that does not read: how much a POST may queue for it (default
   * 1 MiB) and what happens past that ('reject': 429, the default; 'close').
   */
  backpressure?: Partial<Backpressure>;
  /** Region for ARNs and the SDK. Default process.env.AWS_REGION or us-east-1. */
  region?: string;
  /** `requestContext.domainName` override (must reach this server). */
  domainName?: string;
  /**
   * Run the app's `sweep` on a schedule, as the deployed stack does: a
   * keep-alive notification to every connection once per interval (80 % of
   * the idle timeout unless KEEP_ALIVE_INTERVAL_MS says otherwise) and
   * dead connections ended. KEEP_ALIVE=off in the environment also turns it
   * off. Default true.
   */
  keepAlive?: boolean;
  /** Extra environment for the runtime while the stack runs (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  logLevel?: LogLevel;
  logger?: Logger;
}

export interface LocalStack {
  /** `ws://host:port/{stage}` — append `?roomId=…&peerId=…`. */
  url: string;
  /** `ws://host:port/` — the same API without the stage path. */
  rootUrl: string;
  /** `http://host:port/` — the WebRTC demo page (demo/). */
  demoUrl: string;
  /** `http://host:port/{stage}` — the Management API endpoint. */
  managementEndpoint: string;
  /** DYNAMODB_ENDPOINT the runtime uses (undefined for engine `none`). */
  dynamodbEndpoint?: string;
  dynamodbEngine: EngineSpec['kind'];
  tableName: string;
  stage: string;
  host: string;
  port: number;
  apiId: string;
  region: string;
  gateway: WebSocketGateway;
  /** The keep-alive schedule's interval and tick; undefined when it is off. */
  keepAlive?: KeepAlivePlan;
  /** Ids of the currently open connections. */
  connectionIds(): string[];
  /**
   * Resolves once nothing is in flight and nothing has happened for
   * `quietMs` (default 50): what a test waits on, instead of a fixed sleep,
   * before checking that nothing more arrived (websocket-gateway.ts).
   */
  settled(quietMs?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

// ---- process.env ownership -------------------------------------------------

const OWNED_KEYS = ['TABLE_NAME', 'DYNAMODB_ENDPOINT'] as const;
const envOwners = new Map<string, { value: string | undefined; count: number; previous: string | undefined }>();

function claimEnv(values: Record<string, string | undefined>): () => void {
  for (const [key, value] of Object.entries(values)) {
    const owner = envOwners.get(key);
    if (owner && owner.value !== value && (OWNED_KEYS as readonly string[]).includes(key)) {
      throw new Error(
        `another local stack in this process runs with ${key}=${owner.value ?? '(unset)'}; ` +
          `process.env is shared, so a stack with ${key}=${value ?? '(unset)'} cannot run beside it. Stop it first.`,
      );
    }
  }
  for (const [key, value] of Object.entries(values)) {
    const owner = envOwners.get(key);
    if (owner) {
      owner.count++;
      continue;
    }
    envOwners.set(key, { value, count: 1, previous: process.env[key] });
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const key of Object.keys(values)) {
      const owner = envOwners.get(key)!;
      if (--owner.count > 0) continue;
      envOwners.delete(key);
      if (owner.previous === undefined) delete process.env[key];
      else process.env[key] = owner.previous;
    }
  };
}

// ---- options -----------------------------------------------------------------

function engineSpec(option: DynamoDbOption | undefined): EngineSpec {
  if (option === undefined) return { kind: 'dynalite' };
  if (typeof option === 'string') {
    if (option === 'external') throw new Error("dynamodb: 'external' needs an endpoint: { endpoint: 'http://…' }");
    return { kind: option } as EngineSpec;
  }
  if ('kind' in option) return option;
  return { kind: 'external', endpoint: option.endpoint };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

// ---- the stack ---------------------------------------------------------------

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  if (!/^[A-Za-z0-9_-]+$/.test(stage)) throw new Error(`invalid stage name: ${stage}`);
  const tableName = options.tableName ?? 'protoo-local';
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const logger = options.logger ?? createLogger(options.logLevel ?? 'warn');
  const spec = engineSpec(options.dynamodb);
  // Never replace configured credentials (nor drop their AWS_SESSION_TOKEN):
  // dummy keys only for a local engine when nothing is configured.
  const credentials = planCredentials(spec, { ...process.env, ...options.env });
  const aws: AwsSettings = {
    region,
    credentials: credentials.kind === 'dummy' ? { ...DUMMY_CREDENTIALS } : undefined,
  };
  if (credentials.kind === 'configured') {
    logger.info('signing with the configured AWS credentials', { source: credentials.source });
  } else if (credentials.kind === 'missing') {
    logger.warn('no AWS credentials are configured, and the DynamoDB endpoint is not local: requests to it will fail to sign', {
      endpoint: spec.kind === 'external' ? spec.endpoint : undefined,
    });
  }
  if (process.env.MANAGEMENT_API_ENDPOINT) {
    logger.warn(
      'MANAGEMENT_API_ENDPOINT is set: the runtime will post there instead of to this stack (unset it to use the local Management API)',
      { MANAGEMENT_API_ENDPOINT: process.env.MANAGEMENT_API_ENDPOINT },
    );
  }

  const engine: RunningEngine = await startEngine(spec, '127.0.0.1', aws);
  let releaseEnv: (() => void) | undefined;
  let server: Server | undefined;
  try {
    if (engine.kind !== 'none') await ensureTable(engine.endpoint, tableName, aws);

    const userEnv = { ...process.env, ...options.env };
    const idleTimeoutMs = options.idleTimeoutMs ?? LIMITS.idleTimeoutMs;
    const maxConnectionDurationMs = options.maxConnectionDurationMs ?? LIMITS.maxConnectionDurationMs;
    // An idle timeout of 0 still gets the sweep (it finds dead connections), at AWS's pace.
    const plan = keepAlivePlan(idleTimeoutMs || LIMITS.idleTimeoutMs, userEnv);
    releaseEnv = claimEnv({
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: engine.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? region,
      ...(credentials.kind === 'dummy' ? credentials.env : {}),
      KEEP_ALIVE_INTERVAL_MS: String(plan.intervalMs),
      KEEP_ALIVE_TICK_MS: String(plan.tickMs),
      ...(maxConnectionDurationMs > 0 ? { MAX_CONNECTION_MS: String(maxConnectionDurationMs) } : { CONNECTION_EXPIRING_NOTICE: 'off' }),
      ...options.env,
    });

    const apiId = newApiId();
    const handlers = await loadHandlers(options.handlers ?? DEFAULT_APP, process.cwd(), apiId);
    const keepAliveWanted = options.keepAlive !== false && userEnv.KEEP_ALIVE !== 'off';
    if (keepAliveWanted && !handlers.sweep) {
      logger.warn('the app module exports no `sweep`: no keep-alive, idle connections close after the idle timeout (export it from createHandlers)');
    }
    const authorizer: AuthorizerConfig | undefined =
      typeof options.authorizer === 'function' ? { handler: options.authorizer } : options.authorizer;

    let domainName = options.domainName ?? '';
    const gateway = new WebSocketGateway({
      handlers: () => handlers,
      stage,
      apiId,
      region,
      accountId: '000000000000',
      domainName: () => domainName,
      idleTimeoutMs,
      maxConnectionDurationMs,
      integrationTimeoutMs: options.integrationTimeoutMs ?? LIMITS.integrationTimeoutMs,
      maxFrameBytes: LIMITS.maxFrameBytes,
      maxMessageBytes: LIMITS.maxMessageBytes,
      authorizer,
      routeResponses: options.routeResponses ?? false,
      beforeInvoke: options.beforeInvoke,
      beforeHandshake: options.beforeHandshake,
      backpressure: options.backpressure,
      functionNames: { $connect: 'protoo-connect', $disconnect: 'protoo-disconnect', $default: 'protoo-default' },
      logger,
    });
    const management = createManagementApi(gateway, { stage, maxMessageBytes: LIMITS.maxMessageBytes, logger });

    // The demo page's own GETs first; everything else is the emulated API.
    const demo = createDemoServer();
    const httpServer = createServer((req, res) => {
      if (demo(req, res)) return;
      management(req, res).catch((error) => {
        logger.error('management API failed', { error: String(error) });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"message":"Internal server error"}');
      });
    });
    server = httpServer;
    httpServer.on('upgrade', gateway.handleUpgrade);
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? 0, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const port = (httpServer.address() as AddressInfo).port;
    const hostForUrl = urlHost(host);
    if (!domainName) domainName = `${hostForUrl}:${port}`;

    const managementEndpoint = `http://${domainName}/${stage}`;
    const schedule: KeepAliveSchedule | undefined =
      keepAliveWanted && handlers.sweep
        ? startKeepAliveSchedule({
            sweep: handlers.sweep,
            tickMs: plan.tickMs,
            managementApiEndpoint: () => managementEndpoint,
            functionConfig: { functionName: 'protoo-keep-alive', region, accountId: '000000000000', memoryLimitInMB: 1024 },
            logger,
          })
        : undefined;

    let stopped: Promise<void> | undefined;
    const stack: LocalStack = {
      url: `ws://${hostForUrl}:${port}/${stage}`,
      rootUrl: `ws://${hostForUrl}:${port}/`,
      demoUrl: `http://${hostForUrl}:${port}/`,
      managementEndpoint,
      dynamodbEndpoint: engine.endpoint,
      dynamodbEngine: engine.kind,
      tableName,
      stage,
      host,
      port,
      apiId,
      region,
      gateway,
      keepAlive: schedule ? plan : undefined,
      connectionIds: () => gateway.registry.openIds(),
      settled: (quietMs, timeoutMs) => gateway.settled(quietMs, timeoutMs),
      stop: () =>
        (stopped ??= (async () => {
          try {
            // No new sweep, and the running ones finish while the engine is still up.
            await schedule?.stop(Date.now() + 10_000);
            // Every final $disconnect runs first: it reads and writes the
            // table and posts to the Management API on this server.
            await gateway.shutdown();
            await new Promise<void>((resolve) => {
              httpServer.close(() => resolve());
              httpServer.closeAllConnections();
            });
          } finally {
            // The engine last, and even if the above failed: never leave Java running.
            await engine.stop();
            releaseEnv?.();
          }
        })()),
    };
    logger.info('local stack ready', { url: stack.url, dynamodb: engine.kind, tableName });
    return stack;
  } catch (error) {
    server?.close();
    releaseEnv?.();
    await engine.stop();
    throw error;
  }
}
