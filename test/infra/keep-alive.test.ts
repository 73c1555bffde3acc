/**
 * The keep-alive sweep in the template: the table's keepAlive index, the
 * sweep function (its role, its environment), the every-minute rule, and the
 * props and context flags that shape them. The environment is read back with
 * the runtime's own settings reader, so the template and the sweep agree.
 */
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';

import { buildApp } from '../../infra/build-app.js';
import { CONTEXT_KEYS, configFromContext, type ContextKey } from '../../infra/config.js';
import { keepAliveSettingsFromEnv } from '../../lambda/keep-alive/settings.js';
import { KEEP_ALIVE_BUCKET_ATTRIBUTE, KEEP_ALIVE_INDEX, KEEP_ALIVE_PROJECTED_ATTRIBUTES, createTableInput } from '../../lambda/store/table-schema.js';
import { NO_BUNDLE, asArray, render, statementsOfRole, synth } from './helpers.js';

type Variables = Record<string, unknown>;

/** The sweep function's resource and its environment as plain strings. */
function sweeperOf({ template, protoo, id }: ReturnType<typeof synth>) {
  const fn = template.toJSON().Resources[id(protoo.keepAliveFunction!)];
  const variables = fn.Properties.Environment.Variables as Variables;
  const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, render(v)]));
  return { fn, variables, env };
}

describe('GIVEN the construct with default props', () => {
  const synthesized = synth({ stageName: 'live' });
  const { template, protoo, id } = synthesized;
  const sweeper = protoo.keepAliveFunction!;
  const tableArn = `\${${id(protoo.table)}.Arn}`;

  it('THEN the table has the keepAlive index of table-schema.ts: the bucket number as its key, an INCLUDE projection', () => {
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0].Properties;
    expect(table.GlobalSecondaryIndexes).toEqual(createTableInput('x').GlobalSecondaryIndexes);
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: KEEP_ALIVE_INDEX,
        KeySchema: [{ AttributeName: KEEP_ALIVE_BUCKET_ATTRIBUTE, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: KEEP_ALIVE_PROJECTED_ATTRIBUTES },
      },
    ]);
    expect(table.AttributeDefinitions).toContainEqual({ AttributeName: KEEP_ALIVE_BUCKET_ATTRIBUTE, AttributeType: 'N' });
  });

  it('THEN a function of its own runs the routes’ dispatcher export `handler` (it knows the scheduled event), with 55 s to finish and no reserved concurrency', () => {
    const { fn } = sweeperOf(synthesized);
    expect(protoo.keepAliveFunction).not.toBe(protoo.functions.message);
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 55,
      LoggingConfig: { LogGroup: { Ref: id(protoo.keepAliveLogGroup!) } },
      Role: { 'Fn::GetAtt': [id(sweeper.role!), 'Arn'] },
    });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('THEN its environment holds every keep-alive setting, which the runtime reads as an 8-minute interval on a 1-minute tick', () => {
    const { env } = sweeperOf(synthesized);
    expect(env).toEqual({
      TABLE_NAME: `\${${id(protoo.table)}}`,
      NODE_OPTIONS: '--enable-source-maps',
      MANAGEMENT_API_ENDPOINT: `https://\${${id(protoo.api)}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/live`,
      KEEP_ALIVE_TICK_MS: '60000',
      KEEP_ALIVE_INTERVAL_MS: '480000',
      KEEP_ALIVE_METHOD: 'serverKeepAlive',
      CONNECTION_EXPIRING_NOTICE: 'on',
      CONNECTION_EXPIRING_METHOD: 'connectionExpiring',
    });
    expect(keepAliveSettingsFromEnv(env)).toEqual({
      enabled: true,
      tickMs: 60_000,
      intervalTicks: 8,
      method: 'serverKeepAlive',
      expiring: { method: 'connectionExpiring', maxConnectionMs: 2 * 60 * 60_000 },
    });
  });

  it('THEN a rule invokes it every minute, with no retry and events at most 60 s old, and so does Lambda’s own async queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rules[0].Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(sweeper), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }),
    ]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(sweeper) },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
  });

  it('THEN only that rule may invoke the sweep', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) => render(p.Properties.FunctionName) === `\${${id(sweeper)}.Arn}`);
    expect(permissions.map((p) => p.Properties)).toEqual([
      { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [id(sweeper), 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [id(protoo.keepAliveRule!), 'Arn'] } },
    ]);
  });

  it('THEN its role holds exactly: its own logs, the table’s actions that ending a peer needs, Query on the keepAlive index, this stage’s @connections', () => {
    const role = template.toJSON().Resources[id(sweeper.role!)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }]);

    const statements = statementsOfRole(template, id(sweeper.role!));
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, { effect: s.Effect, actions: asArray(s.Action).sort(), resources: asArray(s.Resource).map(render).sort() }]));
    const prefix = `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${id(protoo.api)}}/live`;
    expect(bySid).toEqual({
      WriteOwnLogs: { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`\${${id(protoo.keepAliveLogGroup!)}.Arn}`] },
      ProtooState: { effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], resources: [tableArn] },
      KeepAliveIndex: { effect: 'Allow', actions: ['dynamodb:Query'], resources: [`${tableArn}/index/${KEEP_ALIVE_INDEX}`] },
      ManageConnections: { effect: 'Allow', actions: ['execute-api:ManageConnections'], resources: [`${prefix}/DELETE/@connections/*`, `${prefix}/POST/@connections/*`] },
    });
  });

  it('THEN the construct exposes the function, its log group and the rule', () => {
    expect(protoo.keepAliveFunction).toBeDefined();
    expect(protoo.keepAliveLogGroup).toBeDefined();
    expect(protoo.keepAliveRule).toBeDefined();
  });
});

describe('GIVEN keepAlive options', () => {
  it('THEN the interval, the method and the expiring notice’s method reach the sweep as the runtime reads them', () => {
    const { env } = sweeperOf(synth({ keepAlive: { interval: Duration.minutes(5), method: 'ping', connectionExpiringNotice: { method: 'closing.soon' } } }));
    expect(env).toMatchObject({ KEEP_ALIVE_TICK_MS: '60000', KEEP_ALIVE_INTERVAL_MS: '300000', KEEP_ALIVE_METHOD: 'ping', CONNECTION_EXPIRING_NOTICE: 'on', CONNECTION_EXPIRING_METHOD: 'closing.soon' });
    expect(keepAliveSettingsFromEnv(env)).toMatchObject({ intervalTicks: 5, method: 'ping', expiring: { method: 'closing.soon' } });
  });

  it('THEN connectionExpiringNotice: false turns the 2-hour notice off', () => {
    const { env } = sweeperOf(synth({ keepAlive: { connectionExpiringNotice: false } }));
    expect(env.CONNECTION_EXPIRING_NOTICE).toBe('off');
    expect(env).not.toHaveProperty('CONNECTION_EXPIRING_METHOD');
    expect(keepAliveSettingsFromEnv(env).expiring).toBeUndefined();
  });

  it('THEN the sweep gets the routes’ memory, log level, room capacity and extra environment, but keeps its own timeout', () => {
    const synthesized = synth({ memorySize: 512, timeout: Duration.seconds(12), reservedConcurrency: 5, logLevel: 'debug', roomCapacity: { maxPeers: 20 }, environment: { MY_SETTING: 'x' } });
    const { fn, env } = sweeperOf(synthesized);
    expect(fn.Properties).toMatchObject({ MemorySize: 512, Timeout: 55 });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(env).toMatchObject({ LOG_LEVEL: 'debug', ROOM_MAX_PEERS: '20', PEER_INFO_MAX_BYTES: '1024', MY_SETTING: 'x' });
    const route = synthesized.template.toJSON().Resources[synthesized.id(synthesized.protoo.functions.message)].Properties;
    expect(route).toMatchObject({ Timeout: 12, ReservedConcurrentExecutions: 5 });
  });
});

describe('GIVEN keepAlive: false', () => {
  const { template, protoo } = synth({ keepAlive: false });

  it('THEN there is no sweep: no function, rule, async settings or schedule permission', () => {
    expect(protoo.keepAliveFunction).toBeUndefined();
    expect(protoo.keepAliveLogGroup).toBeUndefined();
    expect(protoo.keepAliveRule).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    expect(Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Description).sort()).toEqual(['protoo $connect authorizer', 'protoo $connect, $disconnect, $default']);
    for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
  });

  it('THEN the table keeps the runtime’s shape, index included (the runtime writes the bucket either way)', () => {
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0].Properties;
    expect(table.GlobalSecondaryIndexes).toEqual(createTableInput('x').GlobalSecondaryIndexes);
  });
});

describe('GIVEN keepAlive settings beyond what API Gateway allows', () => {
  it.each<[Parameters<typeof synth>[0], RegExp]>([
    [{ keepAlive: { interval: Duration.minutes(10) } }, /^keepAlive.interval must be between 1 and 9 minutes \(API Gateway closes a connection silent for 10\), got 10 minutes$/],
    [{ keepAlive: { interval: Duration.minutes(0) } }, /^keepAlive.interval must be between 1 and 9 minutes/],
    [{ keepAlive: { interval: Duration.seconds(90) } }, /^keepAlive.interval must be whole minutes, got 90000 ms$/],
    [{ keepAlive: { interval: Duration.seconds(30) } }, /^keepAlive.interval must be whole minutes/],
    [{ keepAlive: { method: 'keep alive' } }, /^keepAlive.method must be 1 to 64 of A-Z a-z 0-9 _ \. : -, got "keep alive"$/],
    [{ keepAlive: { method: 'x'.repeat(65) } }, /^keepAlive.method must be 1 to 64/],
    [{ keepAlive: { connectionExpiringNotice: { method: 'bye!' } } }, /^keepAlive.connectionExpiringNotice.method must be 1 to 64/],
  ])('THEN %j is refused: %s', (props, error) => {
    expect(() => synth(props)).toThrow(error);
  });

  it('THEN the limits themselves synthesize', () => {
    for (const minutes of [1, 9]) expect(sweeperOf(synth({ keepAlive: { interval: Duration.minutes(minutes) } })).env.KEEP_ALIVE_INTERVAL_MS).toBe(String(minutes * 60_000));
  });

  it('THEN a method is refused at synth exactly when the sweep would refuse it at run time', () => {
    const samples = ['serverKeepAlive', 'a', 'x'.repeat(64), 'x'.repeat(65), 'ns:keep-alive.v1_2', 'has space', 'ping!', 'é'];
    for (const method of samples) {
      const refusedAtRunTime = throws(() => keepAliveSettingsFromEnv({ KEEP_ALIVE_METHOD: method }));
      expect(throws(() => synth({ keepAlive: { method } })), method).toBe(refusedAtRunTime);
    }
    expect(samples.filter((m) => throws(() => synth({ keepAlive: { method: m } }))).length).toBe(4);
  });
});

function throws(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch {
    return true;
  }
}

describe('GIVEN keep-alive context flags', () => {
  const config = (context: Partial<Record<ContextKey, unknown>>) => configFromContext((key) => context[key]).protoo.keepAlive;

  it('THEN they are context keys the app reads', () => {
    expect(CONTEXT_KEYS).toEqual(expect.arrayContaining(['keepAlive', 'keepAliveMinutes', 'keepAliveMethod', 'connectionExpiringMethod']));
  });

  it('THEN keep-alive is on with its defaults unless keepAlive=off', () => {
    expect(config({})).toBeUndefined();
    expect(config({ keepAlive: 'on' })).toBeUndefined();
    expect(config({ keepAlive: 'off' })).toBe(false);
    expect(config({ keepAlive: false })).toBe(false);
  });

  it('THEN keepAliveMinutes, keepAliveMethod and connectionExpiringMethod become the options; connectionExpiringMethod=off drops the notice', () => {
    const options = config({ keepAliveMinutes: '5', keepAliveMethod: 'ping', connectionExpiringMethod: 'bye' });
    expect(options).toEqual({ interval: expect.anything(), method: 'ping', connectionExpiringNotice: { method: 'bye' } });
    expect(options && options.interval?.toMinutes()).toBe(5);
    expect(config({ connectionExpiringMethod: 'off' })).toEqual({ interval: undefined, method: undefined, connectionExpiringNotice: false });
  });

  it.each<[Partial<Record<ContextKey, unknown>>, RegExp]>([
    [{ keepAlive: 'maybe' }, /^context keepAlive must be "on" or "off", got "maybe"$/],
    [{ keepAliveMinutes: '10' }, /^context keepAliveMinutes must be between 1 and 9 minutes \(API Gateway closes a connection silent for 10\), got 10 minutes$/],
    [{ keepAliveMinutes: '0' }, /^context keepAliveMinutes must be a positive number/],
    [{ keepAliveMinutes: '2.5' }, /^context keepAliveMinutes must be an integer/],
    [{ keepAliveMethod: 'keep alive' }, /^context keepAliveMethod must be 1 to 64 of A-Z a-z 0-9 _ \. : -, got "keep alive"$/],
    [{ connectionExpiringMethod: 'x'.repeat(65) }, /^context connectionExpiringMethod must be 1 to 64/],
    [{ keepAlive: 'off', keepAliveMinutes: '5', keepAliveMethod: 'ping' }, /^context keepAliveMinutes, keepAliveMethod need keepAlive on, but keepAlive is off$/],
  ])('THEN %j is refused: %s', (context, error) => {
    expect(() => config(context)).toThrow(error);
  });

  it('THEN `cdk synth -c keepAliveMinutes=3 -c connectionExpiringMethod=off` reaches the sweep, and -c keepAlive=off leaves it out', () => {
    const templateOf = (context: Record<string, unknown>) => Template.fromStack(buildApp(new App({ context }), { code: NO_BUNDLE }));
    const isSweep = (f: { [key: string]: any }) => f.Properties.Description === 'protoo keep-alive sweep';
    const sweep = Object.values(templateOf({ keepAliveMinutes: '3', connectionExpiringMethod: 'off' }).findResources('AWS::Lambda::Function')).find(isSweep)!;
    expect(sweep.Properties.Environment.Variables).toMatchObject({ KEEP_ALIVE_INTERVAL_MS: '180000', CONNECTION_EXPIRING_NOTICE: 'off' });
    const off = templateOf({ keepAlive: 'off' });
    off.resourceCountIs('AWS::Events::Rule', 0);
    expect(Object.values(off.findResources('AWS::Lambda::Function')).some(isSweep)).toBe(false);
  });
});
