/**
 * Template tests for the ProtooWebSocketApi construct. No bundling here
 * (inline code); test/infra/synth-bundle.test.ts bundles for real.
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_BUNDLING,
  DEFAULT_ENTRY,
  DYNAMODB_ACTIONS,
  ProtooWebSocketApi,
  ROUTES,
  ROUTES_DYNAMODB_ACTIONS,
  type RouteName,
} from '../../infra/protoo-websocket-api.js';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, createTableInput } from '../../lambda/store/table-schema.js';
import { NO_BUNDLE, ROUTE_NAMES, asArray, distinct, render, statementsOfRole, synth, walk, type Statement, type Synthesized } from './helpers.js';

/** https://{apiId}.execute-api.{region}.{suffix}/{stage}, as render() prints it. */
function stageCallbackUrl(apiId: string, stage: string): string {
  return `https://\${${apiId}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${stage}`;
}

const CERT_ARN = 'arn:aws:acm:us-east-1:111111111111:certificate/abcd';

function inlineAuthorizer(stack: Stack) {
  return new lambda.Function(stack, 'MyAuthorizer', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
}

describe('GIVEN the construct with default props', () => {
  const { template, protoo, id } = synth();

  it('THEN it creates exactly the resources a protoo endpoint needs, and nothing else', () => {
    // One function serves the three routes; token mode is the default: the
    // authorizer (function, role, policy, log group, invoke permission) and
    // its secret come on top of the endpoint; so does the keep-alive sweep
    // (function, role, policy, log group, its async settings, the rule and
    // the rule's invoke permission).
    expect(resourceCounts(template)).toEqual({
      'AWS::DynamoDB::Table': 1,
      'AWS::ApiGatewayV2::Api': 1,
      'AWS::ApiGatewayV2::Stage': 1,
      'AWS::ApiGatewayV2::Route': 3,
      'AWS::ApiGatewayV2::Integration': 3,
      'AWS::ApiGatewayV2::Authorizer': 1,
      'AWS::SecretsManager::Secret': 1,
      'AWS::Lambda::Function': 3,
      'AWS::Lambda::Permission': 5,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Events::Rule': 1,
      'AWS::IAM::Role': 3,
      'AWS::IAM::Policy': 3,
      'AWS::Logs::LogGroup': 3,
    });
  });

  it('THEN one function serves all three routes: every route name of `functions` and `logGroups` is the same one, with new logical ids', () => {
    expect(distinct(ROUTE_NAMES.map((name) => protoo.functions[name]))).toHaveLength(1);
    expect(distinct(ROUTE_NAMES.map((name) => protoo.logGroups[name]))).toHaveLength(1);
    // Upgrading replaces the three route functions, roles and log groups with these (docs/deploy.md).
    expect(id(protoo.functions.message)).toMatch(/^ProtooRoutesFunction[0-9A-F]{8}$/);
    expect(id(protoo.functions.message.role!)).toMatch(/^ProtooRoutesRole[0-9A-F]{8}$/);
    expect(id(protoo.logGroups.message)).toMatch(/^ProtooRoutesLogs[0-9A-F]{8}$/);
  });

  it('THEN the table has the runtime key schema and keepAlive index (from table-schema.ts), on-demand billing, TTL, no LSIs', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: createTableInput('x').AttributeDefinitions,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      GlobalSecondaryIndexes: createTableInput('x').GlobalSecondaryIndexes,
      LocalSecondaryIndexes: Match.absent(),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    });
    expect([PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE]).toEqual(['pk', 'sk', 'expiresAt']);
  });

  it('THEN the table and the log groups are retained when the stack is deleted (safe default)', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const groups = template.findResources('AWS::Logs::LogGroup');
    for (const group of Object.values(groups)) expect(group.DeletionPolicy).toBe('Retain');
  });

  it('THEN the API is a WebSocket API with $connect, $disconnect and $default routes, each a Lambda proxy integration of the one function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const byKey = new Map<string, string>();
    for (const route of routes) {
      const target = render(route.Properties.Target); // integrations/${IntegrationId}
      const integrationId = target.replace('integrations/${', '').replace('}', '');
      const integration = integrations[integrationId];
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      byKey.set(route.Properties.RouteKey, render(integration.Properties.IntegrationUri));
    }
    expect([...byKey.keys()].sort()).toEqual(['$connect', '$default', '$disconnect']);
    expect(byKey.get('$connect')).toContain(`\${${id(protoo.functions.connect)}.Arn}`);
    expect(byKey.get('$disconnect')).toContain(`\${${id(protoo.functions.disconnect)}.Arn}`);
    expect(byKey.get('$default')).toContain(`\${${id(protoo.functions.message)}.Arn}`);
  });

  it('THEN only $connect has an authorizer (the join-token one) and no route returns the integration response (replies go through the Management API)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      if (route.Properties.RouteKey === '$connect') {
        expect(route.Properties.AuthorizationType).toBe('CUSTOM');
      } else {
        expect(route.Properties.AuthorizerId).toBeUndefined();
        expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
      }
      expect(route.Properties.RouteResponseSelectionExpression).toBeUndefined();
    }
  });

  it('THEN the stage "dev" auto-deploys with the default throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'dev',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  it('THEN $connect has its own route throttle beside the stage default, so connect storms cannot spend the message budget', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      RouteSettings: { $connect: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } },
    });
    const custom = synth({ throttling: { connectRateLimit: 5, connectBurstLimit: 7 } });
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: { $connect: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 } },
    });
  });

  it('THEN the function runs nodejs22.x on arm64 with the dispatcher export `handler`, 256 MB, 10 s, and the runtime environment', () => {
    const fn = template.toJSON().Resources[id(protoo.functions.message)];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Description: 'protoo $connect, $disconnect, $default',
      MemorySize: 256,
      Timeout: 10,
      LoggingConfig: { LogGroup: { Ref: id(protoo.logGroups.message) } },
      Role: { 'Fn::GetAtt': [id(protoo.functions.message.role!), 'Arn'] },
    });
    const { MANAGEMENT_API_ENDPOINT, ...rest } = fn.Properties.Environment.Variables;
    expect(rest).toEqual({ TABLE_NAME: { Ref: id(protoo.table) }, NODE_OPTIONS: '--enable-source-maps' });
    expect(render(MANAGEMENT_API_ENDPOINT)).toBe(stageCallbackUrl(id(protoo.api), 'dev'));
  });

  it('THEN each function logs to its own log group with one month retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const authorizerLogs = id(protoo.node.findChild('Authorizer').node.findChild('Logs'));
    expect(Object.keys(groups).sort()).toEqual([id(protoo.logGroups.message), id(protoo.keepAliveLogGroup!), authorizerLogs].sort());
    for (const group of Object.values(groups)) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('THEN API Gateway may invoke the function only from this API, once for each of its routes (the sweep only its schedule may: test/infra/keep-alive.test.ts)', () => {
    const sweep = `\${${id(protoo.keepAliveFunction!)}.Arn}`;
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) => render(p.Properties.FunctionName) !== sweep);
    expect(permissions).toHaveLength(4);
    const seen = permissions.map((p) => {
      expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(p.Properties.Action).toBe('lambda:InvokeFunction');
      const source = render(p.Properties.SourceArn);
      expect(source).toContain(`:\${${id(protoo.api)}}/`);
      return [render(p.Properties.FunctionName), source.slice(source.lastIndexOf('/'))];
    });
    expect(seen.sort()).toEqual(
      [
        [`\${${id(protoo.functions.connect)}.Arn}`, '/*$connect'],
        [`\${${id(protoo.functions.disconnect)}.Arn}`, '/*$disconnect'],
        [`\${${id(protoo.functions.message)}.Arn}`, '/*$default'],
        [`\${${id(protoo.authorizerFunction!)}.Arn}`, `/${'${'}${id(protoo.node.findChild('Api').node.findChild('ConnectAuthorizer'))}}`],
      ].sort(),
    );
  });
});

/** The role of the function serving `name`: exactly its logs, these DynamoDB actions on the table, this stage's @connections. */
function describeRouteRole({ template, protoo, id }: Synthesized, name: RouteName, actions: readonly string[]) {
  const tableArn = `\${${id(protoo.table)}.Arn}`;
  const roleId = id(protoo.functions[name].role!);
  const statements = statementsOfRole(template, roleId);
  const bySid = (sid: string) => statements.filter((s) => s.Sid === sid);

  it('THEN its role is assumable by Lambda only and has no managed policies (no Resource "*" log permissions)', () => {
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('THEN it holds exactly three statements: own logs, this table, this stage\'s @connections', () => {
    expect(statements.map((s) => s.Sid).sort()).toEqual(['ManageConnections', 'ProtooState', 'WriteOwnLogs']);
    for (const s of statements) expect(s.Effect).toBe('Allow');
  });

  it(`THEN its DynamoDB actions are exactly ${actions.join(', ')} on this table's ARN only`, () => {
    const [state] = bySid('ProtooState');
    expect(asArray(state.Action).sort()).toEqual([...actions].sort());
    expect(asArray(state.Resource).map(render)).toEqual([tableArn]);
  });

  it('THEN it may manage connections only on this API\'s stage, for POST and DELETE of @connections (never GET)', () => {
    const [manage] = bySid('ManageConnections');
    expect(asArray(manage.Action)).toEqual(['execute-api:ManageConnections']);
    const prefix = `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${id(protoo.api)}}/live`;
    expect(asArray(manage.Resource).map(render).sort()).toEqual(
      [`${prefix}/POST/@connections/*`, `${prefix}/DELETE/@connections/*`].sort(),
    );
  });

  it('THEN it may write only to its own log group', () => {
    const [logsStatement] = bySid('WriteOwnLogs');
    expect(asArray(logsStatement.Action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(asArray(logsStatement.Resource).map(render)).toEqual([`\${${id(protoo.logGroups[name])}.Arn}`]);
  });
}

describe('GIVEN the construct, WHEN looking at IAM (least privilege)', () => {
  const synthesized = synth({ stageName: 'live' });
  const { template, protoo, id } = synthesized;
  const tableArn = `\${${id(protoo.table)}.Arn}`;

  describe('the one function of the three routes', () => {
    describeRouteRole(synthesized, 'message', ROUTES_DYNAMODB_ACTIONS);
  });

  it('THEN its actions are the union of the routes\' own: whatever a hook calls, in whichever route it runs', () => {
    expect([...ROUTES_DYNAMODB_ACTIONS].sort()).toEqual(distinct(ROUTE_NAMES.flatMap((name) => DYNAMODB_ACTIONS[name])).sort());
    // peer.request() from onPeerClosed stores a pending request: PutItem, in $disconnect.
    expect(DYNAMODB_ACTIONS.disconnect).not.toContain('dynamodb:PutItem');
    expect(ROUTES_DYNAMODB_ACTIONS).toContain('dynamodb:PutItem');
  });

  it('THEN the exact DynamoDB action sets are the contract: disconnect never writes a new item', () => {
    expect(DYNAMODB_ACTIONS.connect).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(DYNAMODB_ACTIONS.disconnect).toEqual(['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(DYNAMODB_ACTIONS.message).toEqual(DYNAMODB_ACTIONS.connect);
  });

  it('THEN no policy in the template has a "*" resource or a wildcard action', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(3); // the routes' function, the keep-alive sweep and the authorizer
    for (const policy of policies) {
      for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const resource of asArray(s.Resource)) {
          expect(resource).not.toBe('*');
          // Every resource names something of this template (table, log group, API).
          expect(render(resource)).toMatch(/\$\{Protoo[A-Za-z0-9]+(\.Arn)?\}/);
        }
        for (const action of asArray(s.Action)) expect(action).not.toMatch(/\*/);
      }
    }
    // Belt and braces: no bare "*" anywhere in any policy document.
    for (const policy of policies) {
      for (const value of walk(policy.Properties.PolicyDocument)) expect(value).not.toBe('*');
    }
  });

  it('THEN no DynamoDB action reaches beyond the table but the sweep’s Query on its index (no Scan, no transactions)', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const dynamo = all.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(3); // one for the routes' function, two for the sweep
    const onIndex = dynamo.filter((s) => asArray(s.Resource).map(render).join() !== tableArn);
    expect(onIndex.map((s) => [s.Action, asArray(s.Resource).map(render)])).toEqual([['dynamodb:Query', [`${tableArn}/index/keepAlive`]]]);
    for (const s of dynamo) {
      expect(asArray(s.Action)).not.toContain('dynamodb:Scan');
      expect(asArray(s.Action)).not.toContain('dynamodb:TransactWriteItems');
    }
  });
});

describe('GIVEN custom stage settings', () => {
  const { template, protoo, id } = synth({
    stageName: 'prod',
    throttling: { rateLimit: 42, burstLimit: 84 },
    memorySize: 512,
    timeout: Duration.seconds(12),
    logRetention: logs.RetentionDays.ONE_WEEK,
    logLevel: 'debug',
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: true,
    environment: { MY_SETTING: 'x', TABLE_NAME: 'must-not-win' },
  });

  it('THEN the stage has that name and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 42, ThrottlingBurstLimit: 84 },
    });
  });

  it('THEN the functions have that memory, timeout, LOG_LEVEL and extra environment (TABLE_NAME still the table)', () => {
    for (const name of ROUTE_NAMES) {
      const fn = template.toJSON().Resources[id(protoo.functions[name])];
      expect(fn.Properties.MemorySize).toBe(512);
      expect(fn.Properties.Timeout).toBe(12);
      expect(fn.Properties.Environment.Variables).toEqual({
        MY_SETTING: 'x',
        TABLE_NAME: { Ref: id(protoo.table) },
        NODE_OPTIONS: '--enable-source-maps',
        LOG_LEVEL: 'debug',
        MANAGEMENT_API_ENDPOINT: expect.anything(),
      });
    }
  });

  it('THEN the table and log groups are destroyed with the stack, PITR is on, retention is one week', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.DeletionPolicy).toBe('Delete');
      expect(group.Properties.RetentionInDays).toBe(7);
    }
  });

  it('THEN the ManageConnections ARNs follow the stage name', () => {
    const statements = statementsOfRole(template, id(protoo.functions.message.role!));
    const manage = statements.find((s) => s.Sid === 'ManageConnections')!;
    for (const arn of asArray(manage.Resource).map(render)) expect(arn).toMatch(/\/prod\/(POST|DELETE)\/@connections\/\*$/);
  });
});

describe('GIVEN an authorizer function with query-string identity sources', () => {
  const { template, protoo, id, stack } = synth({}, {}, (s) => ({
    authorizer: {
      handler: inlineAuthorizer(s),
      identitySource: ['route.request.querystring.token', 'route.request.querystring.roomId'],
    },
  }));
  const authorizerFn = stack.node.findChild('MyAuthorizer') as lambda.Function;

  it('THEN a REQUEST authorizer reads those query-string parameters', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      ApiId: { Ref: id(protoo.api) },
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token', 'route.request.querystring.roomId'],
      AuthorizerUri: Match.anyValue(),
    });
    const uri = render(template.findResources('AWS::ApiGatewayV2::Authorizer')[Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0]].Properties.AuthorizerUri);
    expect(uri).toContain(`\${${id(authorizerFn)}.Arn}`);
  });

  it('THEN only $connect uses it; $disconnect and $default have no authorizer', () => {
    const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const connect = routes.find((r) => r.Properties.RouteKey === '$connect')!;
    expect(connect.Properties.AuthorizationType).toBe('CUSTOM');
    expect(connect.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    for (const route of routes.filter((r) => r.Properties.RouteKey !== '$connect')) {
      expect(route.Properties.AuthorizerId).toBeUndefined();
      expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('THEN API Gateway may invoke the authorizer, scoped to this API\'s authorizer', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => render(p.Properties.FunctionName) === `\${${id(authorizerFn)}.Arn}`,
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0].Properties.Principal).toBe('apigateway.amazonaws.com');
    expect(render(permissions[0].Properties.SourceArn)).toMatch(new RegExp(`\\$\\{${id(protoo.api)}\\}/authorizers/`));
  });

  it('THEN the default identity source is the "token" query-string parameter', () => {
    const { template: t } = synth({}, {}, (s) => ({ authorizer: { handler: inlineAuthorizer(s) } }));
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { IdentitySource: ['route.request.querystring.token'] });
  });

  it('THEN an identity source that is not a request parameter is refused at synth time', () => {
    expect(() =>
      synth({}, {}, (s) => ({ authorizer: { handler: inlineAuthorizer(s), identitySource: ['$request.querystring.token'] } })),
    ).toThrow(/identitySource/);
    expect(() => synth({}, {}, (s) => ({ authorizer: { handler: inlineAuthorizer(s), identitySource: [] } }))).toThrow(
      /identitySource/,
    );
  });
});

describe('GIVEN a custom domain with a mapping key and a hosted zone', () => {
  const { template, protoo, id } = synth({ stageName: 'prod' }, {}, (s) => ({
    customDomain: {
      domainName: 'signal.example.com',
      certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN),
      mappingKey: 'v1',
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z123', zoneName: 'example.com' }),
    },
  }));

  it('THEN a regional TLS 1.2 domain name uses the certificate', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'signal.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: CERT_ARN, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }),
      ],
    });
  });

  it('THEN the stage is mapped under the key', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: id(protoo.api) },
      DomainName: { Ref: id(protoo.domainName!) },
      Stage: 'prod',
      ApiMappingKey: 'v1',
    });
    // The mapping waits for the stage it names.
    const mapping = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'))[0];
    expect(mapping.DependsOn).toContain(id(protoo.stage));
  });

  it("THEN every function posts to the stage's own callback URL, never through the domain (whose DNS may not exist yet)", () => {
    for (const name of ROUTE_NAMES) {
      const fn = template.toJSON().Resources[id(protoo.functions[name])];
      const endpoint = render(fn.Properties.Environment.Variables.MANAGEMENT_API_ENDPOINT);
      expect(endpoint).toBe(stageCallbackUrl(id(protoo.api), 'prod'));
      expect(endpoint).not.toContain('example.com');
    }
    expect(protoo.url).toBe('wss://signal.example.com/v1');
    expect(protoo.managementApiEndpoint).toBe(protoo.stage.callbackUrl);
    expect(protoo.callbackUrl).toBe(protoo.stage.callbackUrl);
  });

  it('THEN an alias A record points the domain at the API Gateway regional domain', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'signal.example.com.',
      Type: 'A',
      HostedZoneId: 'Z123',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [id(protoo.domainName!), 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [id(protoo.domainName!), 'RegionalHostedZoneId'] },
      },
    });
  });
});

describe('GIVEN a custom domain at the root, without a hosted zone', () => {
  const { template, protoo, id } = synth({}, {}, (s) => ({
    customDomain: { domainName: 'ws.example.org', certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN) },
  }));

  it('THEN MANAGEMENT_API_ENDPOINT is the stage callback URL, the mapping has no key, and no DNS record is made', () => {
    for (const name of ROUTE_NAMES) {
      const fn = template.toJSON().Resources[id(protoo.functions[name])];
      expect(render(fn.Properties.Environment.Variables.MANAGEMENT_API_ENDPOINT)).toBe(stageCallbackUrl(id(protoo.api), 'dev'));
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: Match.absent() });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(protoo.url).toBe('wss://ws.example.org');
  });

  it('THEN a mapping key with characters API Gateway refuses is refused at synth time', () => {
    expect(() =>
      synth({}, {}, (s) => ({
        customDomain: { domainName: 'a.example', certificate: acm.Certificate.fromCertificateArn(s, 'C', CERT_ARN), mappingKey: 'a b' },
      })),
    ).toThrow(/mappingKey/);
  });
});

describe('GIVEN the API name', () => {
  it('THEN it defaults to a name unique per stack and construct (never the bare "Api")', () => {
    const name = (t: ReturnType<typeof synth>['template']) => Object.values(t.findResources('AWS::ApiGatewayV2::Api'))[0].Properties.Name;
    const a = synth();
    expect(name(a.template)).toMatch(/^TestStack-Protoo-[0-9A-F]{8}$/);
    expect(name(synth({ apiName: 'mine' }).template)).toBe('mine');
  });
});

describe('GIVEN deletionProtection', () => {
  it('THEN the table has it when asked, and not by default', () => {
    synth({ deletionProtection: true }).template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    synth().template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});

describe('GIVEN two protoo endpoints in one stack (the construct is reusable)', () => {
  it('THEN each has its own table, API and functions, and each function may only manage its own API', () => {
    const app = new App();
    const stack = new Stack(app, 'TwoStack');
    const a = new ProtooWebSocketApi(stack, 'A', { code: NO_BUNDLE, stageName: 'a' });
    const b = new ProtooWebSocketApi(stack, 'B', { code: NO_BUNDLE, stageName: 'b' });
    const template = app.synth().getStackByName('TwoStack').template;
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(2);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(6); // the routes' function, the sweep and the authorizer each
    expect(types.filter((t) => t === 'AWS::Events::Rule')).toHaveLength(2);
    expect(types.filter((t) => t === 'AWS::SecretsManager::Secret')).toHaveLength(2);
    const apiA = stack.getLogicalId(a.api.node.defaultChild as never);
    const apiB = stack.getLogicalId(b.api.node.defaultChild as never);
    const roleA = stack.getLogicalId(a.functions.message.role!.node.defaultChild as never);
    const policy = Object.values(template.Resources as Record<string, any>).find(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles[0].Ref === roleA,
    );
    const manage = (policy.Properties.PolicyDocument.Statement as Statement[]).find((s) => s.Sid === 'ManageConnections')!;
    for (const arn of asArray(manage.Resource).map(render)) {
      expect(arn).toContain(`\${${apiA}}/a/`);
      expect(arn).not.toContain(apiB);
    }
  });
});

describe('GIVEN invalid props', () => {
  it('THEN a stage name API Gateway would refuse is refused at synth time', () => {
    expect(() => synth({ stageName: 'has space' })).toThrow(/stageName/);
    expect(() => synth({ stageName: '' })).toThrow(/stageName/);
  });
});

describe('GIVEN the bundling defaults', () => {
  it('THEN they build minified ESM with source maps, the AWS SDK bundled, locally (no Docker)', () => {
    expect(DEFAULT_BUNDLING).toMatchObject({
      format: 'esm',
      minify: true,
      sourceMap: true,
      bundleAwsSDK: true,
      forceDockerBundling: false,
      mainFields: ['module', 'main'],
    });
    expect(DEFAULT_BUNDLING.banner).toContain('createRequire');
    expect(DEFAULT_ENTRY).toMatch(/lambda[\\/]entry\.ts$/);
  });
});

describe('GIVEN a room capacity', () => {
  it('THEN every function gets ROOM_MAX_PEERS and PEER_INFO_MAX_BYTES, defaults filling what is unset', () => {
    const { template, protoo, id } = synth({ roomCapacity: { maxPeers: 500, maxInfoBytes: 160 } });
    for (const name of ROUTE_NAMES) {
      const variables = template.toJSON().Resources[id(protoo.functions[name])].Properties.Environment.Variables;
      expect(variables).toMatchObject({ ROOM_MAX_PEERS: '500', PEER_INFO_MAX_BYTES: '160' });
    }
    const defaults = synth({ roomCapacity: { maxPeers: 20 } });
    const variables = defaults.template.toJSON().Resources[defaults.id(defaults.protoo.functions.message)].Properties.Environment.Variables;
    expect(variables).toMatchObject({ ROOM_MAX_PEERS: '20', PEER_INFO_MAX_BYTES: '1024' });
  });

  it('THEN a capacity whose full peer list would not fit in one 128 KB message fails the synth with one line', () => {
    expect(() => synth({ roomCapacity: { maxPeers: 500 } })).toThrow(/ROOM_MAX_PEERS=500 with PEER_INFO_MAX_BYTES=1024 allows a \d+-byte peer list/);
    expect(() => synth({ roomCapacity: { maxPeers: 0 } })).toThrow(/ROOM_MAX_PEERS must be a whole number/);
  });
});

describe('GIVEN functionPerRoute: true (apps that export only per-route handlers)', () => {
  const synthesized = synth({ stageName: 'live', functionPerRoute: true });
  const { template, protoo, id } = synthesized;

  it('THEN three functions serve the routes, each with its own export, log group and role, and the sweep runs `sweep`', () => {
    expect(resourceCounts(template)).toMatchObject({ 'AWS::Lambda::Function': 5, 'AWS::IAM::Role': 5, 'AWS::IAM::Policy': 5, 'AWS::Logs::LogGroup': 5, 'AWS::Lambda::Permission': 5 });
    const resources = template.toJSON().Resources;
    const handlers = Object.fromEntries(ROUTE_NAMES.map((name) => [name, resources[id(protoo.functions[name])].Properties.Handler]));
    expect(handlers).toEqual({ connect: 'index.connect', disconnect: 'index.disconnect', message: 'index.message' });
    expect(resources[id(protoo.keepAliveFunction!)].Properties.Handler).toBe('index.sweep');
    expect(distinct(ROUTE_NAMES.map((name) => protoo.logGroups[name]))).toHaveLength(3);
  });

  it('THEN they keep the logical ids they had before the one function, so such a stack deploys unchanged', () => {
    for (const name of ROUTE_NAMES) {
      const Name = name[0].toUpperCase() + name.slice(1);
      expect(id(protoo.functions[name])).toMatch(new RegExp(`^Protoo${Name}Function[0-9A-F]{8}$`));
      expect(id(protoo.functions[name].role!)).toMatch(new RegExp(`^Protoo${Name}Role[0-9A-F]{8}$`));
      expect(id(protoo.logGroups[name])).toMatch(new RegExp(`^Protoo${Name}Logs[0-9A-F]{8}$`));
    }
  });

  it('THEN API Gateway invokes each function from its own route only', () => {
    const routesOf = new Map<string, string[]>();
    for (const p of Object.values(template.findResources('AWS::Lambda::Permission'))) {
      const fn = render(p.Properties.FunctionName);
      const source = render(p.Properties.SourceArn);
      routesOf.set(fn, [...(routesOf.get(fn) ?? []), source.slice(source.lastIndexOf('/'))]);
    }
    for (const name of ROUTE_NAMES) {
      expect(routesOf.get(`\${${id(protoo.functions[name])}.Arn}`)).toEqual([`/*${ROUTES[name].routeKey}`]);
    }
  });

  for (const name of ROUTE_NAMES) {
    describe(`the ${name} function`, () => {
      describeRouteRole(synthesized, name, DYNAMODB_ACTIONS[name]);
    });
  }

  it('THEN the reserved concurrency caps each of the three, and the sweep has none', () => {
    const reserved = synth({ functionPerRoute: true, reservedConcurrency: 7 });
    const resources = reserved.template.toJSON().Resources;
    for (const name of ROUTE_NAMES) expect(resources[reserved.id(reserved.protoo.functions[name])].Properties.ReservedConcurrentExecutions).toBe(7);
    expect(resources[reserved.id(reserved.protoo.keepAliveFunction!)].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('GIVEN reservedConcurrency', () => {
  it('THEN it caps the one function of the routes, and not the sweep', () => {
    const { template, protoo, id } = synth({ reservedConcurrency: 7 });
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { ReservedConcurrentExecutions: 7 }, 1);
    expect(template.toJSON().Resources[id(protoo.functions.connect)].Properties.ReservedConcurrentExecutions).toBe(7);
  });
});

function resourceCounts(template: Synthesized['template']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of Object.values(template.toJSON().Resources as Record<string, { Type: string }>)) {
    counts[r.Type] = (counts[r.Type] ?? 0) + 1;
  }
  return counts;
}
