/**
 * The one slow test: `cdk synth` through the real CLI and cdk.json, offline and
 * without AWS credentials, with real esbuild bundling of lambda/entry.ts.
 * Checks that every function's bundle exists, is an ES module Node can load
 * with the dispatcher `handler` (and the per-route exports), actually runs
 * every route and the sweep through `handler` (against dynalite), and stays
 * small (the sizes are printed).
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_ENTRY } from '../../infra/protoo-websocket-api.js';
import { createTableInput } from '../../lambda/store/table-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Upper bound for one minified handler bundle (index.mjs), AWS SDK included. */
// 369 KiB when first written (runtime ~21 KiB + AWS SDK v3); ~560 KiB since Powertools Logger,
// Metrics and Tracer (the X-Ray SDK the Tracer captures the clients with). A jump past this is a regression to look at.
const MAX_BUNDLE_BYTES = 640 * 1024;
const ROUTE_KEYS = ['$connect', '$disconnect', '$default'];
/** What the bundle exports: the dispatcher both functions run, and the per-route handlers (functionPerRoute). */
const EXPORTS = ['handler', 'connect', 'disconnect', 'message', 'sweep'];

const tempHomes: string[] = [];
/** The $connect authorizer (token mode is the default) has its own bundle, lambda/authorizer-entry.ts. */
const AUTHORIZER_DESCRIPTION = 'protoo $connect authorizer';
const isAuthorizer = (r: { Type: string; Properties: any }) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description === AUTHORIZER_DESCRIPTION;
/** A function of the app's bundle: the one serving the three routes, and the keep-alive sweep. */
const isRuntimeFunction = (r: { Type: string; Properties: any }) => r.Type === 'AWS::Lambda::Function' && !isAuthorizer(r);

/** The environment of a machine with no AWS credentials and no AWS configuration. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('AWS_') || key.startsWith('CDK_')) continue;
    env[key] = value;
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'protoo-home-'));
  tempHomes.push(home);
  return {
    ...env,
    HOME: home, // no ~/.aws/credentials or config
    AWS_CONFIG_FILE: path.join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true', // never ask an instance metadata service
    NO_COLOR: '1',
  };
}

function spawnAsync(command: string, args: string[], options: SpawnOptions): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('GIVEN `cdk synth` run by the CLI from cdk.json, offline, without credentials', () => {
  let outdir: string;
  let result: ReturnType<typeof spawnSync>;
  let seconds: number;
  let template: { Resources: Record<string, { Type: string; Properties: any; Metadata?: any }> };

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'protoo-cdk-out-'));
    const started = performance.now();
    result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', outdir], {
      cwd: ROOT,
      env: offlineEnv(),
      encoding: 'utf8',
      timeout: 110_000,
    });
    seconds = (performance.now() - started) / 1000;
    const file = path.join(outdir, 'ProtooServerless-dev.template.json');
    if (fs.existsSync(file)) template = JSON.parse(fs.readFileSync(file, 'utf8'));
  }, 120_000);

  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
    for (const home of tempHomes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
  });

  it('THEN the runtime entry lambda/entry.ts exists (it is what gets bundled)', () => {
    expect(fs.existsSync(DEFAULT_ENTRY), `${DEFAULT_ENTRY} is missing`).toBe(true);
  });

  it('THEN the CLI exits 0 and writes the ProtooServerless-dev template', () => {
    expect(result.error).toBeUndefined();
    expect(result.status, `cdk synth failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
    // cdk.json adopts the recommended flags (test/infra/feature-flags.test.ts).
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/feature flags are not configured/);
    expect(template).toBeDefined();
    console.log(`cdk synth (CLI, offline, with bundling): ${seconds.toFixed(1)} s`);
  });

  it('THEN the template is environment-agnostic: the CLI defaults the region to us-east-1, the template names none', () => {
    // (Conditions holds CDK's own list of regions for its version metadata.)
    const { Resources, Outputs } = template as typeof template & { Outputs: unknown };
    expect(JSON.stringify({ Resources, Outputs })).not.toMatch(/[a-z]{2}-[a-z]+-\d/);
  });

  it('THEN the routes\' one function and the keep-alive sweep each have the bundled ES module with a source map, one asset, and it stays small', () => {
    const functions = Object.entries(template.Resources).filter(([, r]) => isRuntimeFunction(r));
    expect(functions.map(([, r]) => [r.Properties.Description, r.Properties.Handler]).sort()).toEqual([
      ['protoo $connect, $disconnect, $default', 'index.handler'],
      ['protoo keep-alive sweep', 'index.handler'],
    ]);
    // One bundle, uploaded once, for both.
    expect(new Set(functions.map(([, r]) => r.Metadata?.['aws:asset:path'])).size).toBe(1);

    for (const [logicalId, fn] of functions) {
      const assetPath = fn.Metadata?.['aws:asset:path'];
      expect(assetPath, `${logicalId} has no asset`).toBeTypeOf('string');
      const dir = path.join(outdir, assetPath);
      const bundle = path.join(dir, 'index.mjs');
      expect(fs.existsSync(bundle), `${bundle} missing`).toBe(true);
      expect(fs.existsSync(`${bundle}.map`), `${bundle}.map missing`).toBe(true);
      // Nothing else is shipped: no node_modules, no TypeScript sources.
      expect(fs.readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);

      const bytes = fs.statSync(bundle).size;
      const gzipped = gzipSync(fs.readFileSync(bundle), { level: 9 }).length;
      const mapBytes = fs.statSync(`${bundle}.map`).size;
      console.log(
        `${fn.Properties.Handler.padEnd(16)} index.mjs ${(bytes / 1024).toFixed(1)} KiB ` +
          `(gzip ${(gzipped / 1024).toFixed(1)} KiB), source map ${(mapBytes / 1024).toFixed(1)} KiB`,
      );
      expect(bytes).toBeGreaterThan(1024);
      expect(bytes).toBeLessThan(MAX_BUNDLE_BYTES);
    }
  });

  it('THEN plain Node loads the bundle as an ES module exporting handler, connect, disconnect, message and sweep', () => {
    const functions = Object.values(template.Resources).filter(isRuntimeFunction);
    const bundles = new Set(functions.map((fn) => path.join(outdir, fn.Metadata['aws:asset:path'], 'index.mjs')));
    for (const bundle of bundles) {
      const probe = spawnSync(
        process.execPath,
        [
          '--enable-source-maps',
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});` +
            `console.log(JSON.stringify(${JSON.stringify(EXPORTS)}.map((k) => typeof m[k])));`,
        ],
        {
          env: { ...offlineEnv(), TABLE_NAME: 'probe-table', AWS_REGION: 'us-east-1' },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(probe.status, `loading ${bundle} failed:\n${probe.stderr}`).toBe(0);
      expect(JSON.parse(probe.stdout.trim().split('\n').pop()!)).toEqual(EXPORTS.map(() => 'function'));
    }
  });

  it('THEN the bundled `handler` runs on plain Node with the bundled AWS SDK: $connect, $disconnect, then a scheduled sweep over the keepAlive index, against DynamoDB (dynalite)', async () => {
    const fn = Object.values(template.Resources).find(isRuntimeFunction)!;
    const bundle = path.join(outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      await client.send(new CreateTableCommand(createTableInput('probe-table')));
      const requestContext = { connectionId: 'probeConn=', domainName: 'example.invalid', stage: 'dev', requestId: 'r1' };
      const connectEvent = {
        requestContext: { ...requestContext, routeKey: '$connect', eventType: 'CONNECT' },
        headers: { 'Sec-WebSocket-Protocol': 'protoo' },
        queryStringParameters: { roomId: 'probe-room', peerId: 'probe-peer' },
      };
      const disconnectEvent = { requestContext: { ...requestContext, routeKey: '$disconnect', eventType: 'DISCONNECT' } };
      const script =
        `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});` +
        `const c = await m.handler(${JSON.stringify(connectEvent)}, {});` +
        `const d = await m.handler(${JSON.stringify(disconnectEvent)}, {});` +
        // What EventBridge sends the sweep's function.
        `const s = await m.handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString(), detail: {} }, {});` +
        `console.log(JSON.stringify({ c, d, s }));`;
      // Asynchronously: dynalite runs in this process and must keep answering.
      const run = await spawnAsync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
        env: {
          ...offlineEnv(),
          TABLE_NAME: 'probe-table',
          DYNAMODB_ENDPOINT: endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          LOG_LEVEL: 'error',
          // Never called: the sweep finds no connection left to post to.
          MANAGEMENT_API_ENDPOINT: 'http://127.0.0.1:9/probe',
        },
        timeout: 30_000,
      });
      expect(run.status, `running ${bundle} failed:\n${run.stderr}`).toBe(0);
      const { c, d, s } = JSON.parse(run.stdout.trim().split('\n').pop()!);
      expect(c).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'protoo' } });
      expect(d.statusCode).toBe(200);
      // It queried the buckets due this minute (8 of 60 at the default interval) and found nobody.
      expect(s).toMatchObject({ outcome: 'swept', visited: 0, gone: 0 });
      expect(s.buckets).toBeGreaterThan(0);
      // $connect wrote the connection and the peer; $disconnect removed both.
      const left = await client.send(new ScanCommand({ TableName: 'probe-table' }));
      expect(left.Items).toEqual([]);
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('THEN the join-token authorizer (on by default) is its own small ES module bundle that plain Node loads, exporting handler', () => {
    const authorizers = Object.values(template.Resources).filter(isAuthorizer);
    expect(authorizers).toHaveLength(1);
    const dir = path.join(outdir, authorizers[0]!.Metadata['aws:asset:path']);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const bundle = path.join(dir, 'index.mjs');
    const bytes = fs.statSync(bundle).size;
    console.log(`index.handler    index.mjs ${(bytes / 1024).toFixed(1)} KiB (authorizer)`);
    expect(bytes).toBeLessThan(MAX_BUNDLE_BYTES);
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(typeof m.handler);`],
      {
        env: { ...offlineEnv(), SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:probe', AWS_REGION: 'us-east-1' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(probe.status, `loading ${bundle} failed:\n${probe.stderr}`).toBe(0);
    expect(probe.stdout.trim().split('\n').pop()).toBe('function');
  });

  it('THEN the template routes $connect, $disconnect and $default to the one function', () => {
    const routeKeys = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routeKeys).toEqual([...ROUTE_KEYS].sort());
    const [routes] = Object.entries(template.Resources).find(([, r]) => isRuntimeFunction(r) && r.Properties.Description.startsWith('protoo $connect'))!;
    const targets = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Integration')
      .map((r) => JSON.stringify(r.Properties.IntegrationUri));
    expect(targets).toHaveLength(3);
    for (const target of targets) expect(target).toContain(`"${routes}","Arn"`);
  });
});
