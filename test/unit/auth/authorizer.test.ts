import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthorizer, type AuthorizerRequest } from '../../../lambda/auth/authorizer.js';
import { createJoinToken } from '../../../lambda/auth/join-token.js';
import { parseSecretString, secretsManagerSource, staticSource } from '../../../lambda/auth/secret-source.js';
import { hs256Verifier } from '../../../lambda/auth/token-verifier.js';
import { createLogger } from '../../../lambda/log.js';

const SECRET = 'a-development-secret-of-at-least-32-bytes';
const ROTATED = 'the-rotated-in-secret-of-at-least-32-bytes';
const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect';

function logged() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: createLogger('debug', (line) => lines.push(JSON.parse(line))) };
}

const event = (query: Record<string, string>): AuthorizerRequest => ({
  methodArn: ARN,
  queryStringParameters: query,
  requestContext: { connectionId: 'c1', identity: { sourceIp: '203.0.113.9' } },
});

describe('the $connect authorizer (HS256 join tokens)', () => {
  it('allows the token\'s peer with string-only context; the query\'s peerId is ignored', async () => {
    const { log } = logged();
    const authorize = createAuthorizer(hs256Verifier(staticSource({ current: SECRET })), log);
    const token = await createJoinToken({ roomId: 'r', peerId: 'alice', ttl: 60, claims: { role: 'host' } }, SECRET);
    const result = await authorize(event({ token, roomId: 'other', peerId: 'mallory' }));
    expect(result).toEqual({
      principalId: 'alice',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ARN }] },
      context: { roomId: 'r', peerId: 'alice', claims: '{"role":"host"}' },
    });
  });

  it.each([
    ['missing-token', {}],
    ['malformed', { token: 'garbage' }],
  ])('refuses with Unauthorized and logs the reason (%s), never the token', async (reason, query) => {
    const { log, lines } = logged();
    const authorize = createAuthorizer(hs256Verifier(staticSource({ current: SECRET })), log);
    await expect(authorize(event(query))).rejects.toThrow(/^Unauthorized$/);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', message: 'connect refused', reason, connectionId: 'c1', sourceIp: '203.0.113.9' })]);
    expect(JSON.stringify(lines)).not.toContain('garbage');
  });

  it('refuses app claims too large for the authorizer context', async () => {
    const { log, lines } = logged();
    const authorize = createAuthorizer(hs256Verifier(staticSource({ current: SECRET })), log);
    const token = await createJoinToken({ roomId: 'r', peerId: 'p', ttl: 60, claims: { blob: 'x'.repeat(5000) } }, SECRET);
    await expect(authorize(event({ token }))).rejects.toThrow(/^Unauthorized$/);
    expect(lines[0]).toMatchObject({ reason: 'claims-too-large' });
  });

  it('a secret that cannot be read is an error (500), not a 401', async () => {
    const { log, lines } = logged();
    const failing = { get: () => Promise.reject(new Error('AccessDenied')), refreshIfOlderThan: async () => false };
    const authorize = createAuthorizer(hs256Verifier(failing), log);
    const token = await createJoinToken({ roomId: 'r', peerId: 'p', ttl: 60 }, SECRET);
    await expect(authorize(event({ token }))).rejects.toThrow('AccessDenied');
    expect(lines[0]).toMatchObject({ level: 'error', message: 'authorizer failed' });
  });
});

describe('the secret from Secrets Manager', () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => sm.reset());

  it('parses JSON {current, previous} or a bare secret string', () => {
    expect(parseSecretString(JSON.stringify({ current: SECRET, previous: ROTATED }))).toEqual({ current: SECRET, previous: ROTATED });
    expect(parseSecretString(SECRET)).toEqual({ current: SECRET });
    expect(() => parseSecretString('{"previous":"x"}')).toThrow(/current/);
    expect(() => parseSecretString(' ')).toThrow(/empty/);
  });

  it('is read once per container and cached until it ages out', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'my-secret' }).resolves({ SecretString: JSON.stringify({ current: SECRET }) });
    let clock = 0;
    const source = secretsManagerSource({ client: new SecretsManagerClient({}), secretId: 'my-secret', maxAgeMs: 1000, now: () => clock });
    await source.get();
    await source.get();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock = 1000;
    await source.get();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed read', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: SECRET });
    const source = secretsManagerSource({ client: new SecretsManagerClient({}), secretId: 's' });
    await expect(source.get()).rejects.toThrow('throttled');
    await expect(source.get()).resolves.toEqual({ current: SECRET });
  });

  it('a token signed with a secret rotated in after caching is accepted after one early re-read, at most once a minute', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ current: SECRET }) })
      .resolves({ SecretString: JSON.stringify({ current: ROTATED, previous: SECRET }) });
    let clock = 0;
    const source = secretsManagerSource({ client: new SecretsManagerClient({}), secretId: 's', now: () => clock });
    const verify = hs256Verifier(source);
    await verify(await createJoinToken({ roomId: 'r', peerId: 'old', ttl: 60 }, SECRET), {});
    const fresh = await createJoinToken({ roomId: 'r', peerId: 'new', ttl: 60 }, ROTATED);
    clock = 30_000; // too soon: no re-read, refused
    await expect(verify(fresh, {})).rejects.toMatchObject({ reason: 'signature' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock = 61_000;
    await expect(verify(fresh, {})).resolves.toMatchObject({ peerId: 'new' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
