/**
 * Every setting is checked against AWS's limits at synth, with a one-line
 * error naming the setting: context keys (config.ts) and construct props.
 */
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';

import { configFromContext, type ContextKey } from '../../infra/config.js';
import { synth } from './helpers.js';

function config(context: Partial<Record<ContextKey, unknown>>) {
  return configFromContext((key) => context[key]);
}

const JWKS = { auth: 'jwks', jwtIssuer: 'https://idp.example.com', jwtAudience: 'a' };

describe('GIVEN context settings beyond AWS limits', () => {
  it.each<[Partial<Record<ContextKey, unknown>>, RegExp]>([
    [{ memorySize: '64' }, /^context memorySize must be between 128 and 10240 MB, got 64 MB$/],
    [{ memorySize: '10241' }, /memorySize must be between 128 and 10240/],
    [{ timeoutSeconds: '900' }, /^context timeoutSeconds must be between 1 and 29 s \(API Gateway stops waiting at 29 s\), got 900 s$/],
    [{ timeoutSeconds: '30' }, /timeoutSeconds/],
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
    expect(config({ memorySize: '10240', timeoutSeconds: '1' }).protoo.memorySize).toBe(10240);
    expect(config({ ...JWKS, jwksUrl: 'https://idp.example.com/keys' }).protoo.auth).toMatchObject({ mode: 'jwks' });
  });
});

describe('GIVEN construct props beyond AWS limits', () => {
  it.each<[Parameters<typeof synth>[0], RegExp]>([
    [{ memorySize: 127 }, /^memorySize must be between 128 and 10240 MB/],
    [{ memorySize: 256.5 }, /^memorySize must be an integer/],
    [{ timeout: Duration.minutes(15) }, /^timeout must be between 1 and 29 s/],
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
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 10_240, Timeout: 29 });
  });
});
