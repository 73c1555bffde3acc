/**
 * `npm start`: the local stack as a command.
 *
 *   PORT=8080 HOST=127.0.0.1 npm start
 *
 * Environment:
 *   PORT, HOST              where to listen (default 8080, 127.0.0.1)
 *   STAGE                   stage name (default local)
 *   PROTOO_APP              module exporting connect/disconnect/message
 *                           (default lambda/entry.ts, the room-relay app)
 *   TABLE_NAME              table name (default protoo-local)
 *   DYNAMODB_ENDPOINT       use this DynamoDB instead of embedded dynalite
 *   DYNAMODB_ENGINE         dynalite | dynamodb-local (Java 17+) | none
 *   IDLE_TIMEOUT_MS         idle connection timeout (default 600000)
 *   MAX_CONNECTION_MS       maximum connection duration (default 7200000)
 *   INTEGRATION_TIMEOUT_MS  per-invocation timeout (default 29000)
 *   LOCAL_STACK_LOG         silent|error|warn|info|debug (default info)
 *   LOG_LEVEL               passed to the runtime unchanged
 */
import { parseLogLevel, createLogger } from './logger.js';
import { startLocalStack, type DynamoDbOption } from './start-local-stack.js';

function intFromEnv(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function dynamodbFromEnv(): DynamoDbOption {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const engine = process.env.DYNAMODB_ENGINE;
  if (endpoint) return { endpoint };
  if (!engine || engine === 'dynalite') return 'dynalite';
  if (engine === 'dynamodb-local' || engine === 'none') return engine;
  throw new Error(`DYNAMODB_ENGINE must be dynalite, dynamodb-local or none, got ${JSON.stringify(engine)}`);
}

async function main(): Promise<void> {
  const logger = createLogger(parseLogLevel(process.env.LOCAL_STACK_LOG, 'info'));
  const stack = await startLocalStack({
    host: process.env.HOST || '127.0.0.1',
    port: intFromEnv('PORT', 8080),
    stage: process.env.STAGE || 'local',
    handlers: process.env.PROTOO_APP || undefined,
    tableName: process.env.TABLE_NAME || undefined,
    dynamodb: dynamodbFromEnv(),
    idleTimeoutMs: intFromEnv('IDLE_TIMEOUT_MS', undefined),
    maxConnectionDurationMs: intFromEnv('MAX_CONNECTION_MS', undefined),
    integrationTimeoutMs: intFromEnv('INTEGRATION_TIMEOUT_MS', undefined),
    logger,
  });

  const out = process.stdout;
  out.write(`protoo local stack ready (DynamoDB: ${stack.dynamodbEngine}${stack.dynamodbEndpoint ? ' at ' + stack.dynamodbEndpoint : ''}, table ${stack.tableName})\n`);
  out.write(`  WebSocket:        ${stack.url}?roomId=ROOM&peerId=PEER   (subprotocol "protoo")\n`);
  out.write(`                    ${stack.rootUrl}?roomId=ROOM&peerId=PEER\n`);
  out.write(`  Management API:   ${stack.managementEndpoint}/@connections/{connectionId}\n`);
  out.write(`${stack.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`second ${signal}: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: closing connections and stopping…\n`);
    stack.stop().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`local stack failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
