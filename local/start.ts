/**
 * `npm start`: the local stack as a command.
 *
 *   PORT=8080 HOST=127.0.0.1 npm start
 *
 * Every variable it reads is validated first (local/settings.ts): a bad
 * value exits 2 with one line on stderr, before anything starts.
 *
 * Stopping: SIGINT or SIGTERM (to npm, which forwards them, or to this
 * process; SIGHUP when the terminal closes) closes every connection with
 * its `$disconnect`, then stops the DynamoDB engine, and exits 0 (1 if
 * stopping failed). A second signal (not npm's echo of the first)
 * exits 1 at once. `npm start` runs `exec node --import tsx local/start.ts`
 * so that no shell or tsx wrapper sits between npm and this process: a
 * signal npm forwards reaches it, and nothing is left behind.
 *
 * LOCAL_AUTH=token runs the deployed join-token authorizer on `$connect`
 * with a development secret (LOCAL_AUTH_SECRET, or generated and printed at
 * start); anonymous otherwise.
 *
 * Exit codes: 0 stopped cleanly, 1 failed to start or to stop (or a second
 * signal), 2 invalid setting.
 */
import { readSettings, SettingError } from './settings.js';

// A terminal's Ctrl-C reaches this process twice: from the terminal (same
// process group) and again from npm, which forwards it. A repeat this soon
// is that echo, not a user pressing Ctrl-C again.
const ECHO_WINDOW_MS = 500;

// The handlers run on Node 22 in Lambda; on a laptop's Node 20 the AWS SDK's
// notice that it will drop Node 20 is noise (set the variable to 'false' to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let stopRequested: NodeJS.Signals | undefined;
let firstSignalAt = 0;
let stopNow: (() => void) | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (stopRequested) {
    if (performance.now() - firstSignalAt < ECHO_WINDOW_MS) return;
    process.stderr.write(`second ${signal}: exiting now\n`);
    process.exit(1);
  }
  stopRequested = signal;
  firstSignalAt = performance.now();
  if (!stopNow) {
    // Still starting: nothing listens yet, so there is no connection to
    // close; exiting kills DynamoDB Local through its exit hook.
    process.stderr.write(`${signal} while starting: exiting\n`);
    process.exit(0);
  }
  process.stderr.write(`${signal}: closing connections and stopping…\n`);
  stopNow();
}

// From the first moment: a signal during startup (e.g. while DynamoDB Local
// boots) must not kill this process by default, which would skip the exit
// hook and leave the engine running.
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// The terminal closing: DynamoDB Local, in its own process group, would not get it.
process.on('SIGHUP', onSignal);

async function main(): Promise<void> {
  const settings = readSettings();
  // Loaded only once the settings are valid: a bad setting fails fast.
  const { createLogger } = await import('./logger.js');
  const { startLocalStack } = await import('./start-local-stack.js');
  const auth = settings.localAuth ? await (await import('./token-auth.js')).localTokenAuth(settings.localAuth, settings.runtimeLogLevel) : undefined;
  const stack = await startLocalStack({
    authorizer: auth?.authorizer,
    host: settings.host,
    port: settings.port,
    stage: settings.stage,
    handlers: settings.app,
    tableName: settings.tableName,
    dynamodb: settings.dynamodb,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxConnectionDurationMs: settings.maxConnectionDurationMs,
    integrationTimeoutMs: settings.integrationTimeoutMs,
    logger: createLogger(settings.localStackLog),
  });

  stopNow = () => {
    stack.stop().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };

  const out = process.stdout;
  out.write(`protoo local stack ready (DynamoDB: ${stack.dynamodbEngine}${stack.dynamodbEndpoint ? ' at ' + stack.dynamodbEndpoint : ''}, table ${stack.tableName})\n`);
  out.write(`  WebSocket:        ${stack.url}?roomId=ROOM&peerId=PEER   (subprotocol "protoo")\n`);
  out.write(`                    ${stack.rootUrl}?roomId=ROOM&peerId=PEER\n`);
  out.write(`  Demo page:        ${stack.demoUrl}   (open it in two tabs)\n`);
  out.write(`  Management API:   ${stack.managementEndpoint}/@connections/{connectionId}\n`);
  out.write(
    stack.keepAlive
      ? `  Keep-alive:       every ${stack.keepAlive.intervalMs} ms (KEEP_ALIVE_INTERVAL_MS; KEEP_ALIVE=off to stop)\n`
      : `  Keep-alive:       off\n`,
  );
  if (auth) {
    out.write(`  Auth:             LOCAL_AUTH=token: $connect needs &token=<join token> (HS256)\n`);
    out.write(`  Dev secret:       ${auth.secret}\n`);
    out.write(`  A URL:            npm run token -- --room ROOM --peer PEER --secret ${auth.secret} --url ${stack.url}\n`);
  } else {
    out.write(`  Auth:             none (anonymous: any peerId in any room; LOCAL_AUTH=token to require join tokens)\n`);
  }
  out.write(`${stack.url}\n`);
}

main().catch((error) => {
  if (error instanceof SettingError) {
    process.stderr.write(`invalid setting: ${error.message}\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`local stack failed to start: ${message}\n`);
  process.exit(1);
});
