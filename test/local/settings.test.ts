/**
 * Every variable `npm start` reads is validated before anything starts: a
 * bad value is refused with one line naming the variable, what is allowed
 * and what was given, and exit code 2 — never silently replaced by a
 * default (INTEGRATION_TIMEOUT_MS=0 used to break every connection,
 * LOG_LEVEL=loud and LOCAL_STACK_LOG=verbose were ignored).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings, SettingError } from '../../local/settings.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('readSettings', () => {
  it('GIVEN nothing set (or empty values) THEN the documented defaults', () => {
    const defaults = {
      host: '127.0.0.1',
      port: 8080,
      stage: 'local',
      app: undefined,
      tableName: undefined,
      dynamodb: 'dynalite',
      idleTimeoutMs: undefined,
      maxConnectionDurationMs: undefined,
      integrationTimeoutMs: undefined,
      localStackLog: 'info',
      runtimeLogLevel: undefined,
    };
    expect(readSettings({}, ROOT)).toEqual(defaults);
    expect(readSettings({ PORT: '', HOST: '', DYNAMODB_ENDPOINT: '', LOG_LEVEL: '' }, ROOT)).toEqual(defaults);
  });

  it('GIVEN valid values at the edges of their ranges THEN they are taken as given', () => {
    expect(
      readSettings(
        {
          PORT: '0',
          HOST: '::1',
          STAGE: 'dev_2-x',
          PROTOO_APP: 'examples/chat.ts',
          TABLE_NAME: 'my.table-1',
          DYNAMODB_ENGINE: 'dynamodb-local',
          IDLE_TIMEOUT_MS: '0',
          MAX_CONNECTION_MS: '2147483647',
          INTEGRATION_TIMEOUT_MS: '50',
          LOCAL_STACK_LOG: 'debug',
          LOG_LEVEL: 'silent',
          AWS_REGION: 'eu-west-1',
        },
        ROOT,
      ),
    ).toEqual({
      host: '::1',
      port: 0,
      stage: 'dev_2-x',
      app: resolve(ROOT, 'examples/chat.ts'),
      tableName: 'my.table-1',
      dynamodb: 'dynamodb-local',
      idleTimeoutMs: 0,
      maxConnectionDurationMs: 2147483647,
      integrationTimeoutMs: 50,
      localStackLog: 'debug',
      runtimeLogLevel: 'silent',
    });
    expect(readSettings({ PORT: '65535', HOST: 'localhost', INTEGRATION_TIMEOUT_MS: '29000' }, ROOT)).toMatchObject({
      port: 65535,
      host: 'localhost',
      integrationTimeoutMs: 29000,
    });
    expect(readSettings({ DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com' }, ROOT).dynamodb).toEqual({
      endpoint: 'https://dynamodb.eu-west-1.amazonaws.com',
    });
  });

  it.each([
    ['INTEGRATION_TIMEOUT_MS', '0', 'INTEGRATION_TIMEOUT_MS must be an integer from 50 to 29000 (ms; API Gateway\'s range), got "0"'],
    ['INTEGRATION_TIMEOUT_MS', '29001', 'from 50 to 29000'],
    ['INTEGRATION_TIMEOUT_MS', '1e3', 'got "1e3"'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of debug, info, warn, error, silent, got "loud"'],
    ['LOG_LEVEL', 'INFO', 'LOG_LEVEL must be one of'],
    ['LOCAL_STACK_LOG', 'verbose', 'LOCAL_STACK_LOG must be one of silent, error, warn, info, debug, got "verbose"'],
    ['PORT', '70000', 'PORT must be a port number from 0 (any free port) to 65535, got "70000"'],
    ['PORT', '-1', 'PORT must be'],
    ['PORT', '80.5', 'PORT must be'],
    ['PORT', 'http', 'PORT must be'],
    ['HOST', 'not a host', 'HOST must be an IP address or a host name'],
    ['HOST', 'http://127.0.0.1', 'HOST must be'],
    ['STAGE', 'dev/v1', 'STAGE must be a stage name'],
    ['STAGE', 'x'.repeat(129), 'STAGE must be'],
    ['TABLE_NAME', 'ab', 'TABLE_NAME must be a DynamoDB table name'],
    ['TABLE_NAME', 'a table', 'TABLE_NAME must be'],
    ['IDLE_TIMEOUT_MS', '-5', 'IDLE_TIMEOUT_MS must be an integer from 0 (never) to 2147483647 (ms)'],
    ['IDLE_TIMEOUT_MS', '3000000000', 'IDLE_TIMEOUT_MS must be'],
    ['MAX_CONNECTION_MS', '2h', 'MAX_CONNECTION_MS must be'],
    ['DYNAMODB_ENGINE', 'mongo', 'DYNAMODB_ENGINE must be one of dynalite, dynamodb-local, none, got "mongo"'],
    ['DYNAMODB_ENDPOINT', '127.0.0.1:8000', 'DYNAMODB_ENDPOINT must be an http:// or https:// URL'],
    ['PROTOO_APP', 'no/such/app.ts', `PROTOO_APP must name a module file, got "no/such/app.ts": ${resolve(ROOT, 'no/such/app.ts')} does not exist`],
    ['PROTOO_APP', 'examples', 'is not a file'],
    ['AWS_REGION', 'us east 1', 'AWS_REGION must be an AWS region name'],
    ['KEEP_ALIVE', 'maybe', 'KEEP_ALIVE must be "on" or "off", got "maybe"'],
    ['KEEP_ALIVE_INTERVAL_MS', '9m', 'KEEP_ALIVE_INTERVAL_MS must be a whole number'],
    ['KEEP_ALIVE_METHOD', 'keep alive', 'KEEP_ALIVE_METHOD must match'],
    // The runtime's own variables, read by the handlers at their first invocation: refused at start, not as a 500 per handshake.
    ['RATE_LIMIT_PER_SECOND', '-1', 'RATE_LIMIT_PER_SECOND must be a whole number ≥ 0, got "-1"'],
    ['RATE_LIMIT_BURST', '0', 'RATE_LIMIT_BURST must be a whole number ≥ 1'],
    ['RATE_LIMIT_CLOSE_AFTER', 'never', 'RATE_LIMIT_CLOSE_AFTER must be'],
    ['FAN_OUT_CONCURRENCY', '0', 'FAN_OUT_CONCURRENCY must be a whole number ≥ 1'],
    ['DYNAMODB_TIMEOUT_MS', '1.5', 'DYNAMODB_TIMEOUT_MS must be'],
    ['INVOCATION_DEADLINE_MS', '8s', 'INVOCATION_DEADLINE_MS must be'],
    ['POST_TIMEOUT_MS', '0', 'POST_TIMEOUT_MS must be a positive whole number'],
    ['REPLACEMENT_BACKOFF_GROWTH', '0.5', 'REPLACEMENT_BACKOFF_GROWTH must be ≥ 1'],
    ['ROOM_MAX_PEERS', 'abc', 'ROOM_MAX_PEERS must be a whole number'],
    ['PEER_INFO_MAX_BYTES', '1', 'PEER_INFO_MAX_BYTES must be a whole number ≥ 2'],
  ])('GIVEN %s=%j THEN it is refused in one line', (name, value, message) => {
    const read = () => readSettings({ [name]: value }, ROOT);
    expect(read).toThrow(SettingError);
    expect(read).toThrow(message);
    expect(() => read()).toThrow(/^[^\n]+$/);
  });

  it('GIVEN both DYNAMODB_ENDPOINT and DYNAMODB_ENGINE THEN they are refused as conflicting, not one silently ignored', () => {
    expect(() => readSettings({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', DYNAMODB_ENGINE: 'dynamodb-local' }, ROOT)).toThrow(
      'DYNAMODB_ENDPOINT and DYNAMODB_ENGINE=dynamodb-local conflict',
    );
  });

  it('GIVEN a huge or multi-line value THEN the message stays one short line', () => {
    expect(() => readSettings({ HOST: `evil\n${'x'.repeat(10_000)}` }, ROOT)).toThrow(/^HOST must be [^\n]{1,200}$/);
  });
});

function run(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    // 'close': exited and its output read to the end.
    child.on('close', (code) => done({ code, stdout, stderr })),
  );
}

describe('npm start with a bad setting', () => {
  it('exits 2 with exactly one line on stderr, nothing started, no stack trace', async () => {
    const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'local/start.ts'], { INTEGRATION_TIMEOUT_MS: '0' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('invalid setting: INTEGRATION_TIMEOUT_MS must be an integer from 50 to 29000 (ms; API Gateway\'s range), got "0"\n');
  });

  it('through npm too: npm start exits 2 and shows the line', async () => {
    const { code, stderr } = await run('npm', ['start', '--silent'], { LOCAL_STACK_LOG: 'verbose' });
    expect(code).toBe(2);
    expect(stderr).toContain('invalid setting: LOCAL_STACK_LOG must be one of silent, error, warn, info, debug, got "verbose"\n');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
