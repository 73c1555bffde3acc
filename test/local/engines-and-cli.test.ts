/**
 * What `npm start` stands on: the embedded DynamoDB with the runtime's
 * table, process.env for the runtime, and the CLI itself (a real child
 * process: prints the URL once ready, serves a user app, stops cleanly).
 */
import { spawn } from 'node:child_process';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-engines.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { createTableInput } from '../../lambda/store/table-schema.js';
import { connect, recorder } from './helpers.js';
import { startCli } from './start-cli.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('embedded DynamoDB and the runtime environment', () => {
  it('creates the runtime table on dynalite and points the runtime at it through process.env, restoring it on stop', async () => {
    const before = { TABLE_NAME: process.env.TABLE_NAME, DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT };
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, tableName: 'fidelity-table', env: { LOG_LEVEL: 'error' } });
    expect(stack.dynamodbEngine).toBe('dynalite');
    expect(stack.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.TABLE_NAME).toBe('fidelity-table');
    expect(process.env.DYNAMODB_ENDPOINT).toBe(stack.dynamodbEndpoint);
    expect(process.env.LOG_LEVEL).toBe('error');
    expect(process.env.MANAGEMENT_API_ENDPOINT).toBeUndefined();

    const ddb = new DynamoDBClient({
      endpoint: stack.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'fidelity-table' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual(createTableInput('fidelity-table').KeySchema);
    ddb.destroy();

    // A second stack with another table cannot share this process's environment.
    await expect(startLocalStack({ handlers: rec.handlers, tableName: 'other-table' })).rejects.toThrow(/process\.env is shared/);

    await stack.stop();
    stack = undefined;
    expect(process.env.TABLE_NAME).toBe(before.TABLE_NAME);
    expect(process.env.DYNAMODB_ENDPOINT).toBe(before.DYNAMODB_ENDPOINT);
    expect(process.env.LOG_LEVEL).toBeUndefined();
  });

  it('a handlers module that does not export connect/disconnect/message is refused with a clear error', async () => {
    await expect(startLocalStack({ handlers: 'test/local/helpers.ts', dynamodb: 'none' })).rejects.toThrow(
      /does not export the Lambda entry points: handler, or connect, disconnect and message/,
    );
  });
});

/** process.env without any AWS credentials (the shared files point nowhere), plus `vars`. */
function envWithoutCredentials(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|WEB_IDENTITY_TOKEN_FILE|CONTAINER_CREDENTIALS_.*)$/.test(key)) delete env[key];
  }
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws/credentials',
    AWS_CONFIG_FILE: '/nonexistent/aws/config',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...vars,
  };
}

describe('npm start (local/start.ts)', () => {
  it('passes configured credentials through untouched, AWS_SESSION_TOKEN included', async () => {
    const { child, url, exited } = await startCli(
      envWithoutCredentials({
        PORT: '0',
        PROTOO_APP: 'test/local/fixtures/echo-app.ts',
        TABLE_NAME: 'cli-creds',
        DYNAMODB_ENDPOINT: '',
        LOCAL_STACK_LOG: 'warn',
        AWS_ACCESS_KEY_ID: 'ASIACLITEMPORARY',
        AWS_SECRET_ACCESS_KEY: 'cli-secret',
        AWS_SESSION_TOKEN: 'cli-session-token',
      }),
    );
    const client = await connect(`${url}?roomId=r&peerId=p`);
    client.ws.send('who');
    // The app's Management API post, signed with these credentials, arrived.
    expect(JSON.parse(await client.next())).toMatchObject({ echo: 'who', accessKeyId: 'ASIACLITEMPORARY', sessionToken: 'cli-session-token' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('prints the ws:// URL once ready, serves PROTOO_APP, and stops cleanly on SIGTERM', async () => {
    const { child, url, exited, stdout } = await startCli(
      envWithoutCredentials({
        PORT: '0',
        PROTOO_APP: 'test/local/fixtures/echo-app.ts',
        TABLE_NAME: 'cli-table',
        DYNAMODB_ENDPOINT: '',
        LOCAL_STACK_LOG: 'warn',
      }),
    );
    expect(stdout()).toMatch(/DynamoDB: dynalite/);

    const client = await connect(`${url}?roomId=r&peerId=p`);
    client.ws.send('ping');
    const reply = JSON.parse(await client.next());
    expect(reply.echo).toBe('ping');
    expect(reply.table).toBe('cli-table');
    expect(reply.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // No credentials configured and an embedded engine: dummy keys, no session token.
    expect(reply.accessKeyId).toBe('local');
    expect(reply.sessionToken).toBeNull();

    child.kill('SIGTERM');
    expect((await client.closed).code).toBe(1001);
    expect(await exited).toBe(0);
  });

  it('fails fast with a clear message when the app module cannot be loaded', async () => {
    // It exists (a missing file is an invalid setting, see settings.test.ts) but is no module.
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      env: { ...process.env, PORT: '0', PROTOO_APP: 'README.md', DYNAMODB_ENGINE: 'none', DYNAMODB_ENDPOINT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^local stack failed to start: cannot load the app module .*README\.md: [^\n]+\n$/m);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

/** Runs `npm run client`'s entry point with stdin closed; resolves with its exit code and stderr. */
async function runClient(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/client.ts', ...args, '--retries', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr };
}

describe('npm run client (bin/client.ts) says why it could not connect', () => {
  it('a refused handshake: the HTTP status and the body $connect returned', async () => {
    const rec = recorder({ connect: () => ({ statusCode: 403, body: 'room "r" is invite-only' }) });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const { code, stderr } = await runClient([stack.url, '--room', 'r', '--peer', 'p']);
    expect(code).toBe(1);
    expect(stderr).toContain('connection attempt 1 failed: handshake refused: HTTP 403 Forbidden: room "r" is invite-only\n');
  });

  it('a $connect that forgets the subprotocol: says so, instead of "connection closed"', async () => {
    const rec = recorder({ connect: () => ({ statusCode: 200 }) });
    stack = await startLocalStack({ handlers: rec.handlers, dynamodb: 'none' });
    const { code, stderr } = await runClient([stack.url, '--room', 'r', '--peer', 'p']);
    expect(code).toBe(1);
    expect(stderr).toContain('connection attempt 1 failed: the server accepted the WebSocket without selecting the "protoo" subprotocol');
  });

  it('nothing listening: ECONNREFUSED', async () => {
    const port = await freePort();
    const { code, stderr } = await runClient([`ws://127.0.0.1:${port}/local`, '--room', 'r', '--peer', 'p']);
    expect(code).toBe(1);
    expect(stderr).toContain(`connection attempt 1 failed: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });
});
