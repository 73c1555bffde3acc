/** The deployed authorizer entry: SECRET_ARN read from Secrets Manager once per container. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { createJoinToken } from '../../../lambda/auth/join-token.js';

const SECRET = 'entry-test-secret-entry-test-secret-0123';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:protoo-join-AbCdEf';

describe('lambda/authorizer-entry.ts', () => {
  it('verifies tokens with the secret named by SECRET_ARN, read once', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ current: SECRET }) });
    vi.stubEnv('SECRET_ARN', SECRET_ARN);
    vi.stubEnv('LOG_LEVEL', 'silent');
    const { handler } = await import('../../../lambda/authorizer-entry.js');
    const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect';
    for (const peerId of ['a', 'b']) {
      const token = await createJoinToken({ roomId: 'r', peerId, ttl: 60 }, SECRET);
      expect((await handler({ methodArn, queryStringParameters: { token } })).context.peerId).toBe(peerId);
    }
    const forged = await createJoinToken({ roomId: 'r', peerId: 'a', ttl: 60 }, 'x'.repeat(40));
    await expect(handler({ methodArn, queryStringParameters: { token: forged } })).rejects.toThrow(/^Unauthorized$/);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    vi.unstubAllEnvs();
  });
});
