/**
 * The local stack must never override the developer's AWS credentials:
 * dummy keys only for a local engine when nothing is configured, and
 * configured keys — with their AWS_SESSION_TOKEN — reach the engine's own
 * client and the runtime unchanged (temporary credentials are useless
 * without their token, e.g. against a real regional table).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostToConnectionCommand, ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configuredCredentials, planCredentials } from '../../local/aws-credentials.js';
import { startEngine, type EngineSpec, type RunningEngine } from '../../local/dynamodb-engines.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { connect, endpointFromEvent, recorder } from './helpers.js';

const CREDENTIAL_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
];

let home: string;
let saved: Record<string, string | undefined>;
let stack: LocalStack | undefined;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'protoo-creds-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** This process's environment with no credentials at all: only what the test sets. */
function isolate(vars: Record<string, string> = {}): void {
  saved = Object.fromEntries(CREDENTIAL_VARS.map((k) => [k, process.env[k]]));
  for (const k of CREDENTIAL_VARS) delete process.env[k];
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'no-credentials');
  process.env.AWS_CONFIG_FILE = join(home, 'no-config');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  Object.assign(process.env, vars);
}

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  if (saved) {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

describe('which credentials the stack signs with', () => {
  // No credentials anywhere (the shared files point nowhere).
  const none = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };
  const local: EngineSpec[] = [
    { kind: 'dynalite' },
    { kind: 'dynamodb-local' },
    { kind: 'none' },
    { kind: 'external', endpoint: 'http://127.0.0.1:8000' },
    { kind: 'external', endpoint: 'http://localhost:4566' },
    { kind: 'external', endpoint: 'http://[::1]:8000' },
  ];
  const remote: EngineSpec = { kind: 'external', endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' };

  it('dummy keys only for a local engine when nothing is configured', () => {
    for (const spec of local) expect(planCredentials(spec, { ...none }).kind, JSON.stringify(spec)).toBe('dummy');
    expect(planCredentials({ kind: 'dynalite' }, { ...none })).toEqual({
      kind: 'dummy',
      env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
    });
    // A real endpoint never gets dummy keys: they could only fail there.
    expect(planCredentials(remote, { ...none }).kind).toBe('missing');
  });

  it('configured credentials of every kind are kept, whatever the engine', () => {
    const credentialsFile = join(home, 'credentials');
    writeFileSync(credentialsFile, '[other]\naws_access_key_id = AKIAOTHER\n\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n');
    const ssoConfig = join(home, 'config-sso');
    writeFileSync(ssoConfig, '[profile default]\nsso_session = corp\nregion = eu-west-1\n');
    const regionOnly = join(home, 'config-region');
    writeFileSync(regionOnly, '[default]\nregion = eu-west-1\n[profile dev]\nrole_arn = arn:aws:iam::1:role/x\n');
    const configured: Array<Record<string, string>> = [
      { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' },
      { AWS_PROFILE: 'dev' },
      { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' },
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' },
      { AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
      { AWS_CONFIG_FILE: ssoConfig },
    ];
    for (const vars of configured) {
      for (const spec of [...local, remote]) {
        expect(planCredentials(spec, { ...none, ...vars }).kind, `${JSON.stringify(vars)} ${JSON.stringify(spec)}`).toBe('configured');
      }
    }
    expect(configuredCredentials({ ...none, AWS_SHARED_CREDENTIALS_FILE: credentialsFile })).toMatch(/\[default\]/);
    // A default profile with only a region (what `aws configure` leaves in config) has no credentials.
    expect(configuredCredentials({ ...none, AWS_CONFIG_FILE: regionOnly })).toBeUndefined();
    expect(planCredentials({ kind: 'dynalite' }, { ...none, AWS_CONFIG_FILE: regionOnly }).kind).toBe('dummy');
    // An access key id alone is not a credential.
    expect(planCredentials({ kind: 'dynalite' }, { ...none, AWS_ACCESS_KEY_ID: 'AKIAHALF' }).kind).toBe('dummy');
  });
});

describe('startLocalStack and credentials', () => {
  it('with nothing configured and a local engine, sets dummy keys while it runs and removes them on stop', async () => {
    isolate();
    const rec = recorder();
    stack = await startLocalStack({ handlers: rec.handlers, tableName: 'creds-dummy' });
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('local');
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBe('local');
    expect(process.env.AWS_SESSION_TOKEN).toBeUndefined();
    await stack.stop();
    stack = undefined;
    expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
  });

  describe('configured temporary credentials', () => {
    let engine: RunningEngine;
    let proxy: Server;
    let proxyUrl: string;
    const seen: IncomingHttpHeaders[] = [];

    // A DynamoDB endpoint that records how each request was signed (dynalite behind it ignores signatures).
    beforeAll(async () => {
      engine = await startEngine({ kind: 'dynalite' }, '127.0.0.1', { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const target = new URL(engine.endpoint!);
      proxy = createServer((req, res) => {
        seen.push(req.headers);
        const upstream = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          },
        );
        req.pipe(upstream);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      await engine.stop();
    });

    it('keys and AWS_SESSION_TOKEN are neither replaced nor dropped: the engine client and the runtime sign with them', async () => {
      const creds = { AWS_ACCESS_KEY_ID: 'ASIATEMPORARYKEY', AWS_SECRET_ACCESS_KEY: 'temporary-secret', AWS_SESSION_TOKEN: 'the-session-token' };
      isolate(creds);
      let handlerResult: unknown;
      const rec = recorder({
        // What the runtime does: SDK clients with the default credential chain.
        message: async (event) => {
          const ddb = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: process.env.AWS_REGION });
          const { Table } = await ddb.send(new DescribeTableCommand({ TableName: process.env.TABLE_NAME }));
          ddb.destroy();
          handlerResult = Table?.TableName;
          const api = new ApiGatewayManagementApiClient({ endpoint: endpointFromEvent(event), region: process.env.AWS_REGION });
          await api.send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: `table ${Table?.TableStatus}` }));
          api.destroy();
          return { statusCode: 200 };
        },
      });
      stack = await startLocalStack({ handlers: rec.handlers, tableName: 'creds-session', dynamodb: { endpoint: proxyUrl } });
      expect({
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
        AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN,
      }).toEqual(creds);
      // The stack's own client created the table with them.
      const fromStack = seen.length;
      expect(fromStack).toBeGreaterThan(0);
      for (const headers of seen) {
        expect(headers.authorization).toContain('Credential=ASIATEMPORARYKEY/');
        expect(headers['x-amz-security-token']).toBe('the-session-token');
      }

      const client = await connect(stack.url);
      client.ws.send('go');
      expect(await client.next()).toBe('table ACTIVE');
      expect(handlerResult).toBe('creds-session');
      expect(seen.length).toBeGreaterThan(fromStack);
      expect(seen.at(-1)!.authorization).toContain('Credential=ASIATEMPORARYKEY/');
      expect(seen.at(-1)!['x-amz-security-token']).toBe('the-session-token');
      client.ws.close();

      await stack.stop();
      stack = undefined;
      expect(process.env.AWS_ACCESS_KEY_ID).toBe(creds.AWS_ACCESS_KEY_ID);
      expect(process.env.AWS_SESSION_TOKEN).toBe(creds.AWS_SESSION_TOKEN);
    });
  });
});
