/**
 * One function of the protoo runtime (a route handler or the keep-alive
 * sweep): its own log group, its own least-privilege role, and one handler
 * export of the app's bundle. Shared by ProtooWebSocketApi's three routes and
 * ProtooKeepAlive, so every function of an endpoint is built and scoped alike.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Node.js 22 until the suite runs on Node 24 (docs/deploy.md, "Node.js"). */
export const RUNTIME = lambda.Runtime.NODEJS_22_X;

/** What every function of one endpoint shares: the app's code and settings, the table, the stage. */
export interface RuntimeFunctionBase {
  /** The app module bundled with esbuild (unless `code`). */
  readonly entry: string;
  readonly depsLockFilePath?: string;
  readonly bundling: nodejs.BundlingOptions;
  /** Prebuilt code instead of bundling `entry`: the handler is then `index.{export}`. */
  readonly code?: lambda.Code;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly table: dynamodb.ITable;
  /** This stage's @connections ARNs, one per Management API method the runtime uses. */
  readonly connectionsArns: readonly string[];
}

/** One statement of DynamoDB actions on the resources they are used on. */
export interface DynamoDbGrant {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface RuntimeFunctionProps {
  /** The handler the module exports: `connect`, `disconnect`, `message`, `sweep`. */
  readonly exportName: string;
  /** e.g. `protoo $connect`; the role is described as its handler. */
  readonly description: string;
  readonly timeout: Duration;
  readonly reservedConcurrency?: number;
  /** Exactly what the handler calls, nothing more. */
  readonly dynamodb: readonly DynamoDbGrant[];
  /** Merged over the base environment. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Asynchronous invocations (a schedule): Lambda's own retries and how old an event may get. @default Lambda's: 2 retries, 6 hours */
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
}

export interface RuntimeFunction {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
}

/**
 * Adds `{prefix}Logs`, `{prefix}Role` and `{prefix}Function` to scope (the
 * route functions keep the ids they always had, so a deployed stack keeps them).
 */
export function addRuntimeFunction(scope: Construct, prefix: string, base: RuntimeFunctionBase, props: RuntimeFunctionProps): RuntimeFunction {
  const logGroup = new logs.LogGroup(scope, `${prefix}Logs`, { retention: base.logRetention, removalPolicy: base.removalPolicy });

  // An explicit role instead of AWSLambdaBasicExecutionRole, whose log
  // permissions are on Resource "*": this one writes to its own log group only.
  const role = new iam.Role(scope, `${prefix}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.description} handler`,
  });
  role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  for (const grant of props.dynamodb) {
    role.addToPolicy(new iam.PolicyStatement({ sid: grant.sid, actions: [...grant.actions], resources: [...grant.resources] }));
  }
  role.addToPolicy(new iam.PolicyStatement({ sid: 'ManageConnections', actions: ['execute-api:ManageConnections'], resources: [...base.connectionsArns] }));

  const common: nodejs.NodejsFunctionProps = {
    description: props.description,
    runtime: RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: base.memorySize,
    timeout: props.timeout,
    reservedConcurrentExecutions: props.reservedConcurrency,
    role,
    logGroup,
    environment: { ...base.environment, ...props.environment },
    retryAttempts: props.retryAttempts,
    maxEventAge: props.maxEventAge,
  };
  const fn = base.code
    ? new nodejs.NodejsFunction(scope, `${prefix}Function`, { ...common, code: base.code, handler: `index.${props.exportName}` })
    : new nodejs.NodejsFunction(scope, `${prefix}Function`, {
        ...common,
        entry: base.entry,
        handler: props.exportName,
        depsLockFilePath: base.depsLockFilePath,
        bundling: base.bundling,
      });
  return { function: fn, logGroup, role };
}
