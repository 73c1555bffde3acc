/**
 * The deployed authorizer entry: SECRET_ARN read from Secrets Manager once
 * per container, with a client whose calls are bounded in time and traced.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createJoinToken } from '../../../lambda/auth/join-token.js';

const SECRET = 'entry-test-secret-entry-test-secret-0123';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:protoo-join-AbCdEf';

/** What importing the entry needs: the secret's ARN, and no log output. */
function stubEntryEnv(): void {
  vi.stubEnv('SECRET_ARN', SECRET_ARN);
  vi.stubEnv('LOG_LEVEL', 'silent');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('lambda/authorizer-entry.ts', () => {
  it('verifies tokens with the secret named by SECRET_ARN, read once', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ current: SECRET }) });
    stubEntryEnv();
    const { handler } = await import('../../../lambda/authorizer-entry.js');
    const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect';
    for (const peerId of ['a', 'b']) {
      const token = await createJoinToken({ roomId: 'r', peerId, ttl: 60 }, SECRET);
      expect((await handler({ methodArn, queryStringParameters: { token } })).context.peerId).toBe(peerId);
    }
    const forged = await createJoinToken({ roomId: 'r', peerId: 'a', ttl: 60 }, 'x'.repeat(40));
    await expect(handler({ methodArn, queryStringParameters: { token: forged } })).rejects.toThrow(/^Unauthorized$/);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    sm.restore();
  });
});

describe('the Secrets Manager client of the authorizer', () => {
  type Behaviour = 'silent' | 'http-500';
  let server: Server;
  let endpoint: string;
  let behaviour: Behaviour = 'silent';
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests++;
      req.resume();
      if (behaviour === 'silent') return; // never answers: the client's timeouts end each attempt
      const body = JSON.stringify({ __type: 'InternalServiceError', message: 'boom' });
      res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'InternalServiceError' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The entry's own client factory, with credentials and a region from the environment as on Lambda. */
  async function factory() {
    stubEntryEnv();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    return import('../../../lambda/authorizer-entry.js');
  }

  it.each<[Behaviour]>([['silent'], ['http-500']])('gives up on a Secrets Manager that is %s after maxAttempts bounded attempts', async (given) => {
    const { createSecretsClient } = await factory();
    behaviour = given;
    requests = 0;
    const client = createSecretsClient({ timeoutMs: 150, maxAttempts: 3 }, endpoint);
    const started = Date.now();
    await expect(client.send(new GetSecretValueCommand({ SecretId: SECRET_ARN }))).rejects.toThrow();
    const elapsed = Date.now() - started;
    expect(requests).toBe(3);
    // 3 attempts of at most 2 × 150 ms, plus the SDK's backoff (≤ 1.5 s in all).
    expect(elapsed).toBeLessThan(3 * 300 + 1_500 + 500);
    client.destroy();
  });

  it('by default: 1 s without a connection or an answer ends an attempt, 3 attempts, all of it inside the authorizer’s 10 s timeout', async () => {
    const { DEFAULT_SECRETS_CLIENT_SETTINGS, createSecretsClient } = await factory();
    const { timeoutMs, maxAttempts } = DEFAULT_SECRETS_CLIENT_SETTINGS;
    expect({ timeoutMs, maxAttempts }).toEqual({ timeoutMs: 1_000, maxAttempts: 3 });
    // Each attempt is capped at 2 × timeoutMs; the SDK's backoff adds at most 1.5 s for 3 attempts.
    // 10 s: the authorizer's timeout (infra/protoo-authorizer-function.ts).
    expect(maxAttempts * 2 * timeoutMs + 1_500).toBeLessThan(10_000);
    const client = createSecretsClient();
    expect(await client.config.maxAttempts()).toBe(3);
    // The SDK's usage-statistics middleware is taken out, as from the other clients (lean-sdk-client.ts).
    expect(client.middlewareStack.identify().join(' ')).not.toMatch(/getUserAgentMiddleware/);
    client.destroy();
  });

  it('is traced: the handler’s client goes through observability/tracing.ts as the DynamoDB and Management API clients do', async () => {
    const traced = vi.fn(<T,>(client: T) => client);
    vi.resetModules();
    vi.doMock('../../../lambda/observability/tracing.js', () => ({ traced, tracingEnabled: () => false }));
    try {
      const { createSecretsClient } = await factory();
      // Importing the entry built the handler's client.
      expect(traced).toHaveBeenCalledTimes(1);
      expect(traced.mock.calls[0]![0]).toBeInstanceOf(SecretsManagerClient);
      const client = createSecretsClient();
      expect(traced).toHaveBeenLastCalledWith(client);
    } finally {
      vi.doUnmock('../../../lambda/observability/tracing.js');
      vi.resetModules();
    }
  });
});
