/** Where an invocation's deadline comes from, and the settings that bound DynamoDB calls. */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../lambda/config.js';
import { ANSWER_RESERVE_MS, DEFAULT_INVOCATION_DEADLINE_MS, answerBudgetMs, workBudgetMs } from '../../../lambda/runtime/deadline.js';
import { DEFAULT_DYNAMODB_CLIENT_SETTINGS } from '../../../lambda/store/dynamodb-client.js';

const remaining = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

describe('the invocation deadline', () => {
  it('on Lambda: the remaining time less the reserve to answer, capped by INVOCATION_DEADLINE_MS', () => {
    expect(workBudgetMs(remaining(10_000))).toBe(10_000 - ANSWER_RESERVE_MS);
    expect(workBudgetMs(remaining(10_000), 3_000)).toBe(3_000);
    // A very short timeout still leaves half of it for work.
    expect(workBudgetMs(remaining(3_000))).toBe(1_500);
    expect(answerBudgetMs(remaining(2_000))).toBe(1_750);
  });

  it('without a Lambda context: INVOCATION_DEADLINE_MS, else the default', () => {
    expect(workBudgetMs(undefined)).toBe(DEFAULT_INVOCATION_DEADLINE_MS);
    expect(workBudgetMs({}, 1_200)).toBe(1_200);
    expect(answerBudgetMs(undefined)).toBe(ANSWER_RESERVE_MS);
  });

  it('INVOCATION_DEADLINE_MS must be a positive whole number', () => {
    expect(readConfig({ TABLE_NAME: 't' }).invocationDeadlineMs).toBeUndefined();
    expect(readConfig({ TABLE_NAME: 't', INVOCATION_DEADLINE_MS: '5000' }).invocationDeadlineMs).toBe(5_000);
    for (const bad of ['0', '-1', 'soon', '1.5']) {
      expect(() => readConfig({ TABLE_NAME: 't', INVOCATION_DEADLINE_MS: bad })).toThrow(/INVOCATION_DEADLINE_MS must be a whole number ≥ 1/);
    }
  });

  it('a DynamoDB call, retries included, fits the default deadline', () => {
    const { timeoutMs, maxAttempts } = DEFAULT_DYNAMODB_CLIENT_SETTINGS;
    // Each attempt is capped at 2 × timeoutMs; the SDK's throttling backoff adds at most 0.5 + 1 s for 3 attempts.
    expect(maxAttempts * 2 * timeoutMs + 1_500).toBeLessThan(DEFAULT_INVOCATION_DEADLINE_MS);
  });
});

describe('DynamoDB client settings by endpoint', () => {
  it('AWS and remote endpoints get the tight limits; a local engine on loopback gets 10 s per attempt', async () => {
    const { dynamoDBClientSettings } = await import('../../../lambda/store/dynamodb-client.js');
    expect(dynamoDBClientSettings(undefined).timeoutMs).toBe(1_000);
    expect(dynamoDBClientSettings('https://dynamodb.eu-west-1.amazonaws.com').timeoutMs).toBe(1_000);
    expect(dynamoDBClientSettings('http://127.0.0.1:8000').timeoutMs).toBe(10_000);
    expect(dynamoDBClientSettings('http://localhost:4566').timeoutMs).toBe(10_000);
    expect(dynamoDBClientSettings('http://[::1]:8000').timeoutMs).toBe(10_000);
  });
});
