/**
 * Every setting is checked against AWS's limits at synth, with a one-line
 * error naming the setting: context keys (config.ts) and construct props.
 */
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';

import { configFromContext, RUNTIME_ENVIRONMENT_KEYS, type ContextKey } from '../../infra/config.js';
import type { ProtooObservabilityProps } from '../../infra/protoo-observability.js';
import { TIMEOUT_S } from '../../infra/validate.js';
import { readConfig } from '../../lambda/config.js';
import { ANSWER_RESERVE_MS } from '../../lambda/runtime/deadline.js';
import { DEFAULT_DYNAMODB_CLIENT_SETTINGS } from '../../lambda/store/dynamodb-client.js';
import { synth } from './helpers.js';
import { synthObserved } from './observability-helpers.js';

function config(context: Partial<Record<ContextKey, unknown>>) {
  return configFromContext((key) => context[key]);
}

const JWKS = { auth: 'jwks', jwtIssuer: 'https://idp.example.com', jwtAudience: 'a' };

describe('GIVEN context settings beyond AWS limits', () => {
  it.each<[Partial<Record<ContextKey, unknown>>, RegExp]>([
    [{ memorySize: '64' }, /^context memorySize must be between 128 and 10240 MB, got 64 MB$/],
    [{ memorySize: '10241' }, /memorySize must be between 128 and 10240/],
    [{ timeoutSeconds: '900' }, /^context timeoutSeconds must be between 10 and 29 s \(at least 2 s to answer \+ 7\.5 s for one DynamoDB call with its retries; API Gateway stops waiting at 29 s\), got 900 s$/],
    [{ timeoutSeconds: '30' }, /timeoutSeconds/],
    [{ timeoutSeconds: '3' }, /^context timeoutSeconds must be between 10 and 29 s .*, got 3 s$/],
    [{ timeoutSeconds: '9' }, /^context timeoutSeconds must be between 10 and 29 s/],
    [{ reservedConcurrency: '0' }, /^context reservedConcurrency must be a positive number, got "0"$/],
    [{ reservedConcurrency: '2.5' }, /^context reservedConcurrency must be an integer, got 2.5$/],
    [{ alarmEmail: 'not-an-email' }, /^context alarmEmail must be an email address such as ops@example.com, got "not-an-email"$/],
    [{ alarmEmail: 'ops@example' }, /^context alarmEmail must be an email address/],
    [{ alarmEmail: 'two@at@example.com' }, /^context alarmEmail must be an email address/],
    [{ rateLimitPerSecond: 'fast' }, /^context rateLimitPerSecond \(RATE_LIMIT_PER_SECOND\) must be a whole number ≥ 0, got "fast"$/],
    [{ rateLimitBurst: '0' }, /^context rateLimitBurst \(RATE_LIMIT_BURST\) must be a whole number ≥ 1, got "0"$/],
    [{ rateLimitCloseAfter: '-1' }, /^context rateLimitCloseAfter \(RATE_LIMIT_CLOSE_AFTER\) must be a whole number ≥ 0/],
    [{ replacementBackoffGrowth: '0.5' }, /^context replacementBackoffGrowth \(REPLACEMENT_BACKOFF_GROWTH\) must be ≥ 1, got 0.5$/],
    [{ replacementBackoffFirstMs: 'soon' }, /^context replacementBackoffFirstMs \(REPLACEMENT_BACKOFF_FIRST_MS\) must be a number, got "soon"$/],
    [{ replacementBackoffFirstMs: '5000', replacementBackoffCapMs: '1000' }, /^context replacementBackoffCapMs \(REPLACEMENT_BACKOFF_CAP_MS\) must be ≥ REPLACEMENT_BACKOFF_FIRST_MS, got 1000$/],
    [{ replacementBackoffFirstMs: '200000' }, /^REPLACEMENT_BACKOFF_CAP_MS \(its default\) must be ≥ REPLACEMENT_BACKOFF_FIRST_MS, got 120000$/],
    [{ throttleRate: '10001' }, /^context throttleRate must be above 0 and at most 10000/],
    [{ throttleBurst: '5001' }, /^context throttleBurst must be between 1 and 5000/],
    [{ logLevel: 'verbose' }, /^context logLevel must be one of debug, info, warn, error/],
    [{ stage: 'my_stage' }, /stackName .*CloudFormation stack name/],
    [{ stackName: '1stack' }, /stackName/],
    [{ customDomainName: 'not a domain', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' }, /customDomainName must be a DNS name/],
    [{ customDomainName: 'a.example.com', certificateArn: 'cert-123' }, /certificateArn must be an ACM certificate ARN/],
    [{ authorizerFunctionArn: 'my-authorizer' }, /authorizerFunctionArn must be a Lambda function ARN/],
    [{ ...JWKS, jwtIssuer: 'http://idp.example.com' }, /jwtIssuer must be an https:\/\/ URL/],
    [{ ...JWKS, jwksUrl: 'idp.example.com/jwks' }, /jwksUrl must be an https:\/\/ URL/],
  ])('THEN %j is refused: %s', (context, error) => {
    expect(() => config(context)).toThrow(error);
  });

  it('THEN the limits themselves are accepted', () => {
    const c = config({ memorySize: '128', timeoutSeconds: '29', throttleRate: '10000', throttleBurst: '5000', logLevel: 'error' });
    expect(c.protoo.memorySize).toBe(128);
    expect(c.protoo.timeout?.toSeconds()).toBe(29);
    expect(config({ memorySize: '10240', timeoutSeconds: '10' }).protoo.timeout?.toSeconds()).toBe(10);
    expect(config({ reservedConcurrency: '1' }).protoo.reservedConcurrency).toBe(1);
    expect(config({ alarmEmail: 'ops+alarms@example.co.uk' }).observability.alarmEmail).toBe('ops+alarms@example.co.uk');
    expect(config({ ...JWKS, jwksUrl: 'https://idp.example.com/keys' }).protoo.auth).toMatchObject({ mode: 'jwks' });
  });
});

describe('GIVEN construct props beyond AWS limits', () => {
  it.each<[Parameters<typeof synth>[0], RegExp]>([
    [{ memorySize: 127 }, /^memorySize must be between 128 and 10240 MB/],
    [{ memorySize: 256.5 }, /^memorySize must be an integer/],
    [{ timeout: Duration.minutes(15) }, /^timeout must be between 10 and 29 s/],
    [{ timeout: Duration.seconds(3) }, /^timeout must be between 10 and 29 s \(at least 2 s to answer/],
    [{ reservedConcurrency: 0 }, /^reservedConcurrency must be a whole number ≥ 1, got 0$/],
    [{ reservedConcurrency: -5 }, /^reservedConcurrency must be a whole number ≥ 1, got -5$/],
    [{ reservedConcurrency: 2.5 }, /^reservedConcurrency must be a whole number ≥ 1, got 2.5$/],
    [{ environment: { RATE_LIMIT_BURST: '0' } }, /^environment.RATE_LIMIT_BURST must be a whole number ≥ 1, got "0"$/],
    [{ environment: { RATE_LIMIT_PER_SECOND: '1.5' } }, /^environment.RATE_LIMIT_PER_SECOND must be a whole number ≥ 0/],
    [{ environment: { REPLACEMENT_BACKOFF_GROWTH: '0' } }, /^environment.REPLACEMENT_BACKOFF_GROWTH must be ≥ 1, got 0$/],
    // Each refused by the runtime's own reader, as a cold start would.
    [{ environment: { FAN_OUT_CONCURRENCY: '0' } }, /^environment.FAN_OUT_CONCURRENCY must be a whole number ≥ 1, got "0"$/],
    [{ environment: { DYNAMODB_TIMEOUT_MS: '0.5' } }, /^environment.DYNAMODB_TIMEOUT_MS must be a whole number ≥ 1, got "0.5"$/],
    [{ environment: { INVOCATION_DEADLINE_MS: 'soon' } }, /^environment.INVOCATION_DEADLINE_MS must be a whole number ≥ 1, got "soon"$/],
    [{ environment: { POST_TIMEOUT_MS: '-5' } }, /^environment.POST_TIMEOUT_MS must be a positive whole number of milliseconds, got "-5"$/],
    [{ timeout: Duration.millis(1500) }, /^timeout must be whole seconds/],
    [{ throttling: { rateLimit: 0 } }, /^throttling.rateLimit must be above 0/],
    [{ throttling: { burstLimit: 6000 } }, /^throttling.burstLimit must be between 1 and 5000/],
    [{ throttling: { connectRateLimit: 20_000 } }, /^throttling.connectRateLimit/],
    [{ throttling: { connectBurstLimit: 0 } }, /^throttling.connectBurstLimit/],
    [{ logRetention: 4 as logs.RetentionDays }, /^logRetention must be one of CloudWatch's retention values/],
    [{ logLevel: 'loud' }, /^logLevel must be one of/],
    [{ tableName: 'a b' }, /^tableName must be 3 to 255/],
    [{ apiName: 'x'.repeat(129) }, /^apiName must be 1 to 128 characters/],
  ])('THEN %j is refused: %s', (props, error) => {
    expect(() => synth(props)).toThrow(error);
  });

  it('THEN values at the limits synthesize', () => {
    const { template } = synth({
      memorySize: 10_240,
      timeout: Duration.seconds(29),
      throttling: { rateLimit: 10_000, burstLimit: 5_000, connectRateLimit: 1, connectBurstLimit: 1 },
      logRetention: logs.RetentionDays.ONE_DAY,
      tableName: 'abc',
      reservedConcurrency: 1,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 10_240, Timeout: 29, ReservedConcurrentExecutions: 1 });
    synth({ timeout: Duration.seconds(10) }).template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 10 });
  });
});

describe('GIVEN the shortest timeout', () => {
  it('THEN it is the reserve to answer plus one DynamoDB call’s worst case (retries included), in whole seconds', () => {
    const { timeoutMs, maxAttempts } = DEFAULT_DYNAMODB_CLIENT_SETTINGS;
    // Each attempt is capped at 2 × timeoutMs; the SDK's backoff adds at most 0.5 + 1 s for 3 attempts.
    const dynamoDbWorstCaseMs = maxAttempts * 2 * timeoutMs + 1_500;
    expect(dynamoDbWorstCaseMs).toBe(7_500);
    expect(TIMEOUT_S.min).toBe(Math.ceil((ANSWER_RESERVE_MS + dynamoDbWorstCaseMs) / 1000));
  });
});

describe('GIVEN the rate-limit and replacement-backoff settings as context', () => {
  it('THEN they reach every runtime function as the environment variables the runtime reads', () => {
    const c = config({ rateLimitPerSecond: '0', rateLimitBurst: 50, rateLimitCloseAfter: '0', replacementBackoffFirstMs: '1000', replacementBackoffGrowth: '2', replacementBackoffCapMs: '60000' });
    expect(c.protoo.environment).toEqual({
      RATE_LIMIT_PER_SECOND: '0',
      RATE_LIMIT_BURST: '50',
      RATE_LIMIT_CLOSE_AFTER: '0',
      REPLACEMENT_BACKOFF_FIRST_MS: '1000',
      REPLACEMENT_BACKOFF_GROWTH: '2',
      REPLACEMENT_BACKOFF_CAP_MS: '60000',
    });
    expect(config({}).protoo.environment).toBeUndefined();
    const { template, protoo, id } = synth({ environment: c.protoo.environment });
    for (const fn of [protoo.functions.message, protoo.keepAliveFunction!]) {
      expect(template.toJSON().Resources[id(fn)].Properties.Environment.Variables).toMatchObject(c.protoo.environment!);
    }
  });

  it('THEN synth accepts exactly the rate-limit values the runtime accepts at its cold start', () => {
    const keys = Object.entries(RUNTIME_ENVIRONMENT_KEYS).filter(([, variable]) => variable.startsWith('RATE_LIMIT_')) as [ContextKey, string][];
    for (const [key, variable] of keys) {
      for (const value of ['0', '1', '7', '1.5', '-1', 'x', ' 3', '1e3']) {
        const runtime = (() => {
          try {
            readConfig({ TABLE_NAME: 't', [variable]: value.trim() });
            return true;
          } catch {
            return false;
          }
        })();
        const synthAccepts = (() => {
          try {
            config({ [key]: value });
            return true;
          } catch {
            return false;
          }
        })();
        expect(synthAccepts, `${key}=${JSON.stringify(value)}`).toBe(runtime);
      }
    }
  });
});

describe('GIVEN observability props beyond CloudWatch’s limits', () => {
  it.each<[Partial<ProtooObservabilityProps>, RegExp]>([
    [{ alarmEmail: 'not-an-email' }, /^alarmEmail must be an email address such as ops@example.com, got "not-an-email"$/],
    [{ metricNamespace: 'AWS/Lambda' }, /^metricNamespace must be 1 to 255 printable ASCII characters without : \* \$, not starting with AWS\/, got "AWS\/Lambda"$/],
    [{ metricNamespace: 'my:namespace' }, /^metricNamespace must be/],
    [{ metricNamespace: '' }, /^metricNamespace must be/],
    [{ metricNamespace: 'x'.repeat(256) }, /^metricNamespace must be/],
    [{ serviceName: '' }, /^serviceName must be 1 to 1024 characters, got 0$/],
    [{ outputPrefix: 'my-prefix' }, /^outputPrefix must be up to 200 letters and digits/],
    [{ accessLogRetention: 4 as logs.RetentionDays }, /^accessLogRetention must be one of CloudWatch's retention values/],
    [{ alarms: { lambdaError: false } as never }, /^alarms.lambdaError is not an alarm; the alarms are lambdaErrors, /],
    [{ alarms: { lambdaErrors: { threshold: -1 } } }, /^alarms.lambdaErrors.threshold must be a number ≥ 0, got -1$/],
    [{ alarms: { lambdaErrors: { threshold: Number.NaN } } }, /^alarms.lambdaErrors.threshold must be a number ≥ 0, got NaN$/],
    [{ alarms: { failedOutcomes: { evaluationPeriods: 0 } } }, /^alarms.failedOutcomes.evaluationPeriods must be between 1 and 1440, got 0$/],
    [{ alarms: { failedOutcomes: { evaluationPeriods: 1.5 } } }, /^alarms.failedOutcomes.evaluationPeriods must be an integer, got 1.5$/],
    [{ alarms: { failedOutcomes: { evaluationPeriods: 2, datapointsToAlarm: 3 } } }, /^alarms.failedOutcomes.datapointsToAlarm must be between 1 and evaluationPeriods \(2\), got 3$/],
    [{ alarms: { dynamoThrottles: { period: Duration.seconds(30) } } }, /^alarms.dynamoThrottles.period must be whole minutes \(the metrics have 1-minute resolution\), got 30 s$/],
    [{ alarms: { dynamoThrottles: { period: Duration.seconds(90) } } }, /^alarms.dynamoThrottles.period must be whole minutes/],
    [{ alarms: { keepAliveStopped: { period: Duration.hours(2), evaluationPeriods: 13 } } }, /^alarms.keepAliveStopped: period × evaluationPeriods must be at most 1 day \(CloudWatch's limit\), got 93600 s$/],
  ])('THEN %j is refused: %s', (props, error) => {
    expect(() => synthObserved(props)).toThrow(error);
  });

  it('THEN values at the limits synthesize', () => {
    const { observability } = synthObserved({
      alarmEmail: 'ops@example.com',
      metricNamespace: 'My/App-1_x.y',
      serviceName: 's',
      outputPrefix: 'Second',
      accessLogRetention: logs.RetentionDays.ONE_DAY,
      alarms: { lambdaErrors: { threshold: 0, evaluationPeriods: 24, datapointsToAlarm: 24, period: Duration.hours(1) }, authorizerErrors: false },
    });
    expect(observability.alarms.length).toBeGreaterThan(0);
  });
});
