/**
 * The app behind cdk.json: context → stack settings, outputs, and imports of
 * a certificate and an authorizer by ARN. No bundling (inline code).
 */
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';

import { buildApp } from '../../infra/build-app.js';
import { configFromContext, type ContextKey } from '../../infra/config.js';
import { NO_BUNDLE, render } from './helpers.js';

function config(context: Partial<Record<ContextKey, unknown>>) {
  return configFromContext((key) => context[key]);
}

/** Builds the app as `cdk synth` would on a machine without AWS credentials (no CDK_DEFAULT_*). */
function appWith(context: Record<string, unknown>) {
  const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  delete process.env.CDK_DEFAULT_ACCOUNT;
  delete process.env.CDK_DEFAULT_REGION;
  try {
    const app = new App({ context });
    const stack = buildApp(app, { code: NO_BUNDLE });
    return { stack, template: Template.fromStack(stack) };
  } finally {
    if (saved.account !== undefined) process.env.CDK_DEFAULT_ACCOUNT = saved.account;
    if (saved.region !== undefined) process.env.CDK_DEFAULT_REGION = saved.region;
  }
}

describe('GIVEN no context', () => {
  const c = config({});
  it('THEN the stage is "dev": table and logs destroyed with the stack, no PITR', () => {
    expect(c.stage).toBe('dev');
    expect(c.stackName).toBe('ProtooServerless-dev');
    expect(c.protoo.stageName).toBe('dev');
    expect(c.protoo.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(c.protoo.pointInTimeRecovery).toBe(false);
    expect(c.protoo.throttling).toBeUndefined();
    expect(c.customDomain).toBeUndefined();
    expect(c.authorizer).toBeUndefined();
  });
});

describe('GIVEN stage=prod', () => {
  it('THEN the table is retained and has point-in-time recovery', () => {
    const c = config({ stage: 'prod' });
    expect(c.stackName).toBe('ProtooServerless-prod');
    expect(c.protoo.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(c.protoo.pointInTimeRecovery).toBe(true);
  });

  it('THEN explicit context still wins', () => {
    const c = config({ stage: 'prod', removalPolicy: 'destroy', pointInTimeRecovery: 'false' });
    expect(c.protoo.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(c.protoo.pointInTimeRecovery).toBe(false);
  });
});

describe('GIVEN numeric context as strings (as `cdk -c key=value` passes it)', () => {
  it('THEN they are parsed', () => {
    const c = config({ throttleRate: '12.5', throttleBurst: '30', memorySize: '1024', timeoutSeconds: '17', logRetentionDays: '14' });
    expect(c.protoo.throttling).toEqual({ rateLimit: 12.5, burstLimit: 30 });
    expect(c.protoo.memorySize).toBe(1024);
    expect(c.protoo.timeout?.toSeconds()).toBe(17);
    expect(c.protoo.logRetention).toBe(14);
  });

  it('THEN garbage is refused with the key named', () => {
    expect(() => config({ throttleRate: 'fast' })).toThrow(/throttleRate/);
    expect(() => config({ throttleBurst: '1.5' })).toThrow(/throttleBurst/);
    expect(() => config({ memorySize: '-1' })).toThrow(/memorySize/);
    expect(() => config({ logRetentionDays: '4' })).toThrow(/logRetentionDays/);
    expect(() => config({ removalPolicy: 'keep' })).toThrow(/removalPolicy/);
    expect(() => config({ pointInTimeRecovery: 'yes' })).toThrow(/pointInTimeRecovery/);
    expect(() => config({ stage: 42 })).toThrow(/stage/);
  });

  it('THEN a custom domain needs both the name and the certificate', () => {
    expect(() => config({ customDomainName: 'a.example.com' })).toThrow(/certificateArn/);
    expect(() => config({ certificateArn: 'arn:aws:acm:us-east-1:1:certificate/x' })).toThrow(/customDomainName/);
  });
});

describe('GIVEN the app with stage=staging and throttling from context', () => {
  const { stack, template } = appWith({ stage: 'staging', throttleRate: '10', throttleBurst: '20', logLevel: 'warn' });

  it('THEN the stack is named after the stage and the stage is configured', () => {
    expect(stack.stackName).toBe('ProtooServerless-staging');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'staging',
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { LOG_LEVEL: 'warn' } },
    });
  });

  it('THEN it outputs the wss URL, the callback URL, the table name, the dashboard and the log groups (the authorizer’s too)', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AuthMode',
      'AuthorizerLogGroupName',
      'CallbackUrl',
      'DashboardUrl',
      'JoinTokenSecretArn',
      'KeepAliveLogGroupName',
      'RoutesLogGroupName',
      'TableName',
      'WebSocketUrl',
    ]);
    const api = stack.getLogicalId(stack.protoo.api.node.defaultChild as never);
    expect(render(outputs.WebSocketUrl.Value)).toBe(`wss://\${${api}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/staging`);
    expect(render(outputs.CallbackUrl.Value)).toBe(`https://\${${api}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/staging`);
    expect(outputs.TableName.Value).toEqual({ Ref: stack.getLogicalId(stack.protoo.table.node.defaultChild as never) });
  });

  it('THEN the stack is environment-agnostic without CDK_DEFAULT_* (synth needs no lookup)', () => {
    expect(stack.account).toMatch(/^\$\{Token\[AWS\.AccountId/);
    expect(stack.region).toMatch(/^\$\{Token\[AWS\.Region/);
  });
});

describe('GIVEN the CLI without credentials (it sets CDK_DEFAULT_REGION=us-east-1 but no account)', () => {
  it('THEN the stack stays environment-agnostic: no literal region anywhere in the template', () => {
    const saved = process.env.CDK_DEFAULT_REGION;
    process.env.CDK_DEFAULT_REGION = 'us-east-1';
    try {
      const stack = buildApp(new App({ context: {} }), { code: NO_BUNDLE });
      expect(stack.region).toMatch(/^\$\{Token\[AWS\.Region/);
      // (Conditions holds CDK's own list of regions for its version metadata.)
      const { Resources, Outputs } = Template.fromStack(stack).toJSON();
      expect(JSON.stringify({ Resources, Outputs })).not.toMatch(/[a-z]{2}-[a-z]+-\d/);
    } finally {
      if (saved === undefined) delete process.env.CDK_DEFAULT_REGION;
      else process.env.CDK_DEFAULT_REGION = saved;
    }
  });

  it('THEN -c account=… -c region=… pin it, and malformed ones are refused', () => {
    const { stack } = appWith({ account: '123456789012', region: 'eu-west-1' });
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('eu-west-1');
    expect(() => config({ region: 'Europe' })).toThrow(/^context region must be an AWS region/);
    expect(() => config({ account: '1234' })).toThrow(/^context account must be a 12-digit AWS account ID/);
  });
});

describe('GIVEN a custom domain and an authorizer by ARN in context', () => {
  const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
  const authorizerArn = 'arn:aws:lambda:eu-west-1:123456789012:function:my-authorizer';
  const { stack, template } = appWith({
    stage: 'prod',
    customDomainName: 'signal.example.com',
    certificateArn,
    domainMappingKey: 'protoo',
    authorizerFunctionArn: authorizerArn,
    authorizerIdentitySource: 'route.request.querystring.token, route.request.querystring.peerId',
  });

  it("THEN the domain uses the imported certificate, and the functions post to the stage's own URL, not through it", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'signal.example.com',
      DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    const api = stack.getLogicalId(stack.protoo.api.node.defaultChild as never);
    const stageUrl = `https://\${${api}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/prod`;
    // The routes' one function and the sweep (the authorizer here is imported).
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    for (const fn of functions) expect(render(fn.Properties.Environment.Variables.MANAGEMENT_API_ENDPOINT)).toBe(stageUrl);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.WebSocketUrl.Value).toBe('wss://signal.example.com/protoo');
    expect(render(outputs.CallbackUrl.Value)).toBe(stageUrl);
    expect(outputs.DomainTarget).toBeDefined();
  });

  it('THEN $connect is authorized by the imported function, which API Gateway may invoke', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token', 'route.request.querystring.peerId'],
    });
    const uri = render(Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0].Properties.AuthorizerUri);
    expect(uri).toContain(`${authorizerArn}/invocations`);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: authorizerArn,
      Principal: 'apigateway.amazonaws.com',
    });
  });
});

describe('GIVEN stage=prod versus stage=dev (production protection)', () => {
  const prod = appWith({ stage: 'prod' });
  const dev = appWith({ stage: 'dev' });

  it('THEN prod has table deletion protection and stack termination protection; dev has neither', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    expect(prod.stack.terminationProtection).toBe(true);
    dev.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    expect(dev.stack.terminationProtection).toBe(false);
    expect(config({ stage: 'production' }).terminationProtection).toBe(true);
  });

  it('THEN every stage tags its resources with project and stage', () => {
    for (const [stage, { template }] of [['prod', prod], ['dev', dev]] as const) {
      for (const type of ['AWS::DynamoDB::Table', 'AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret']) {
        template.allResourcesProperties(type, {
          Tags: Match.arrayWith([{ Key: 'project', Value: 'protoo-serverless' }, { Key: 'stage', Value: stage }]),
        });
      }
      // API Gateway v2 takes tags as a map.
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Tags: { project: 'protoo-serverless', stage } });
    }
  });

  it('THEN each stack names its API after itself, so two stages in one account are told apart', () => {
    const names = [prod, dev].map(({ template }) => Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0].Properties.Name);
    expect(names[0]).toMatch(/^ProtooServerless-prod-Protoo-[0-9A-F]{8}$/);
    expect(names[1]).toMatch(/^ProtooServerless-dev-Protoo-/);
  });
});

describe('GIVEN -c alarmEmail=ops@example.com -c accessLogs=true', () => {
  const { template } = appWith({ alarmEmail: 'ops@example.com', accessLogs: 'true' });

  it('THEN alarms go to an SNS topic with that email subscribed, and API Gateway access logs are on', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages.some((stage) => stage.Properties.AccessLogSettings !== undefined)).toBe(true);
  });
});

describe('GIVEN -c reservedConcurrency=20', () => {
  it('THEN the routes’ function has it, the sweep and the authorizer do not', () => {
    const { stack, template } = appWith({ reservedConcurrency: '20' });
    const functions = template.toJSON().Resources as Record<string, { Type: string; Properties: { ReservedConcurrentExecutions?: number } }>;
    const reserved = (fn: import('aws-cdk-lib').aws_lambda.Function) => functions[stack.getLogicalId(fn.node.defaultChild as never)].Properties.ReservedConcurrentExecutions;
    expect(reserved(stack.protoo.functions.message)).toBe(20);
    expect(reserved(stack.protoo.keepAliveFunction!)).toBeUndefined();
    expect(reserved(stack.protoo.authorizerFunction!)).toBeUndefined();
  });
});

describe('GIVEN -c functionPerRoute', () => {
  it('THEN true restores one function per route (apps that export only connect, disconnect, message, sweep); by default one function serves all three', () => {
    expect(config({}).protoo.functionPerRoute).toBeUndefined();
    expect(config({ functionPerRoute: 'true' }).protoo.functionPerRoute).toBe(true);
    expect(() => config({ functionPerRoute: 'yes' })).toThrow(/^context functionPerRoute must be true or false, got "yes"$/);
    const handlers = (context: Record<string, unknown>) =>
      Object.values(appWith(context).template.findResources('AWS::Lambda::Function'))
        .map((f) => f.Properties.Handler)
        .sort();
    expect(handlers({})).toEqual(['index.handler', 'index.handler', 'index.handler']); // the routes, the sweep, the authorizer
    expect(handlers({ functionPerRoute: 'true' })).toEqual(['index.connect', 'index.disconnect', 'index.handler', 'index.message', 'index.sweep']);
  });
});
