import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const middlewareNames = (client: DynamoDBClient) => client.middlewareStack.identify().join(' ');

describe('SDK client tracing (Powertools Tracer)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('leaves clients untouched locally and in tests', async () => {
    const { traced, tracingEnabled } = await import('../../../lambda/observability/tracing.js');
    const client = new DynamoDBClient({ region: 'us-east-1', credentials });
    const before = middlewareNames(client);
    expect(tracingEnabled({})).toBe(false);
    expect(traced(client, {})).toBe(client);
    expect(middlewareNames(client)).toBe(before);
  });

  it('captures a client’s calls on Lambda, unless POWERTOOLS_TRACE_ENABLED=false', async () => {
    // What the Lambda runtime sets, which Tracer reads from process.env.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'protoo-message');
    vi.resetModules();
    const { traced, tracingEnabled } = await import('../../../lambda/observability/tracing.js');
    expect(tracingEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_TRACE_ENABLED: 'false' })).toBe(false);
    const client = new DynamoDBClient({ region: 'us-east-1', credentials });
    const before = middlewareNames(client);
    expect(traced(client)).toBe(client);
    expect(middlewareNames(client)).not.toBe(before);
    expect(middlewareNames(client)).toMatch(/XRay/i);
  });

  it('does not load the X-Ray SDK when tracing is off: its async hook would slow every promise of the process', () => {
    // cls-hooked, the X-Ray SDK's context tracking, announces itself as process.namespaces when it installs its hook.
    const script = "await import('./lambda/entry.ts'); console.log(typeof process.namespaces);";
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        env: { PATH: process.env.PATH, TABLE_NAME: 't', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        encoding: 'utf8',
      }).trim();
    expect(run({})).toBe('undefined');
    expect(run({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_TRACE_ENABLED: 'false' })).toBe('undefined');
    expect(run({ AWS_LAMBDA_FUNCTION_NAME: 'fn' })).toBe('object');
  }, 30_000);
});
