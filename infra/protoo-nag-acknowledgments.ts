/**
 * cdk-nag findings (AwsSolutions, Serverless packs) that are inherent to a
 * protoo endpoint, acknowledged on the construct with the reason, so any app
 * that runs cdk-nag over it sees only findings it can act on.
 * test/infra/cdk-nag.test.ts fails on any finding not acknowledged here.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

export interface NagScope {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly table: dynamodb.Table;
  readonly functions: Readonly<Record<string, lambda.Function>>;
  readonly authorizerFunction?: lambda.Function;
  readonly keepAliveFunction?: lambda.Function;
  readonly keepAliveRule?: events.Rule;
  readonly joinTokenSecret?: IConstruct;
  readonly pointInTimeRecovery: boolean;
  readonly runtime: lambda.Runtime;
  readonly authMode: string;
}

export function acknowledgeInherentFindings(scope: NagScope, methods: readonly string[]): void {
  const { api, stage } = scope;
  const ack = (construct: IConstruct, id: string, reason: string) => Validations.of(construct).acknowledge({ id, reason });

  // IAM5 names each wildcard resource as cdk-nag renders it.
  const s = Stack.of(api);
  const part = (v: string, pseudo: string) => (Token.isUnresolved(v) ? `<${pseudo}>` : v);
  const apiRef = `<${s.getLogicalId(api.node.defaultChild as never)}>`;
  // Each function once: by default one serves every route.
  const runtimeFunctions = [...new Set([...Object.values(scope.functions), ...(scope.keepAliveFunction ? [scope.keepAliveFunction] : [])])];
  for (const fn of runtimeFunctions) {
    for (const method of methods) {
      ack(
        fn.role!,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${part(s.region, 'AWS::Region')}:${part(s.account, 'AWS::AccountId')}:${apiRef}/${stage.stageName}/${method}/@connections/*]`,
        'Connection IDs exist only at runtime: @connections/* of this API and stage, this method only, is the narrowest grant',
      );
    }
  }

  if (scope.authMode === 'none') {
    const connect = api.node.tryFindChild('$connect-Route');
    if (connect) ack(connect, 'AwsSolutions-APIG4', "Anonymous by explicit choice (auth: { mode: 'none' }); the AuthMode output says so at every deploy");
  }
  for (const route of ['$disconnect', '$default']) {
    const child = api.node.tryFindChild(`${route}-Route`);
    if (child) {
      ack(child, 'AwsSolutions-APIG4', 'A WebSocket API authorizes on $connect only; later frames ride the authorized connection');
    }
  }

  const accessLogs = 'Access logs are opt-in: they need the account-level API Gateway CloudWatch role (docs/deploy.md)';
  ack(stage, 'AwsSolutions-APIG1', accessLogs);
  ack(stage, 'Serverless-APIGWAccessLogging', accessLogs);

  if (!scope.pointInTimeRecovery) {
    ack(scope.table, 'AwsSolutions-DDB3', 'The table holds only short-lived signaling state (rooms, peers, TTL); PITR is a prop, on for prod');
  }

  const lambdas = [...runtimeFunctions, ...(scope.authorizerFunction ? [scope.authorizerFunction] : [])];
  for (const fn of lambdas) {
    if (fn !== scope.keepAliveFunction) {
      ack(fn, 'Serverless-LambdaDLQ', 'API Gateway invokes synchronously and gets the error back; a DLQ only serves async invocations');
    }
    if (scope.runtime.name === 'nodejs22.x') {
      const reason = 'nodejs22.x (supported until 2027-04) until the tests run on Node 24; see docs/deploy.md';
      ack(fn, 'AwsSolutions-L1', reason);
      ack(fn, 'Serverless-LambdaLatestVersion', reason);
    }
  }

  if (scope.keepAliveFunction && scope.keepAliveRule) {
    // The sweep is the one asynchronous function: each minute's run stands alone.
    const missed = 'A missed keep-alive run is worthless later: the next minute\'s run comes anyway, and the Errors and duration alarms report failed runs';
    ack(scope.keepAliveFunction, 'Serverless-LambdaDLQ', missed);
    const invokeConfig = scope.keepAliveFunction.node.tryFindChild('EventInvokeConfig');
    if (invokeConfig) ack(invokeConfig, 'Serverless-LambdaAsyncFailureDestination', missed);
    ack(scope.keepAliveRule, 'Serverless-EventBusDLQ', missed);
  }

  if (scope.joinTokenSecret) {
    ack(
      scope.joinTokenSecret,
      'AwsSolutions-SMG4',
      'Rotation keeps current+previous so live tokens survive it; it is a documented manual step (docs/security.md)',
    );
  }
}
