/**
 * The functions of the protoo runtime, built and scoped alike: each has its
 * own log group, its own least-privilege role, and one handler export of the
 * app's bundle. addRouteFunctions builds what serves the three routes (one
 * function by default, one per route on request); ProtooKeepAlive builds the
 * sweep with addRuntimeFunction.
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

/** The three routes of a protoo endpoint and the per-route handler export that serves each. */
export const ROUTES = {
  connect: { routeKey: '$connect', exportName: 'connect' },
  disconnect: { routeKey: '$disconnect', exportName: 'disconnect' },
  message: { routeKey: '$default', exportName: 'message' },
} as const;
export type RouteName = keyof typeof ROUTES;
export const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

/**
 * The app's one export that serves every route and the keep-alive schedule,
 * dispatching on the event (createHandlers(app).handler).
 */
export const DISPATCHER_EXPORT = 'handler';

/**
 * DynamoDB actions per route handler: exactly what the runtime calls, nothing
 * more. (TransactWriteItems, Scan, BatchWriteItem are deliberately absent.)
 */
export const DYNAMODB_ACTIONS: Readonly<Record<RouteName, readonly string[]>> = {
  connect: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  disconnect: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  message: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
};

/**
 * The one function's actions: the union of every route's, so an app may call
 * from any hook what another route's handler may (e.g. `peer.request()`, a
 * PutItem, from `onPeerClosed`, which runs in $disconnect).
 */
export const ROUTES_DYNAMODB_ACTIONS: readonly string[] = [...new Set(ROUTE_NAMES.flatMap((name) => DYNAMODB_ACTIONS[name]))];

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
  /** The handler the module exports: `handler` (the dispatcher), or `connect`, `disconnect`, `message`, `sweep`. */
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

/** Adds `{prefix}Logs`, `{prefix}Role` and `{prefix}Function` to scope. */
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

export interface RouteFunctionsProps {
  /** One function per route, each running its own export with its own role (the layout before the one function). */
  readonly functionPerRoute: boolean;
  readonly timeout: Duration;
  readonly reservedConcurrency?: number;
}

export interface RouteFunctions {
  /** The function that serves each route: the same one thrice, unless functionPerRoute. */
  readonly functions: Readonly<Record<RouteName, nodejs.NodejsFunction>>;
  readonly logGroups: Readonly<Record<RouteName, logs.LogGroup>>;
}

/**
 * What serves $connect, $disconnect and $default. By default one function,
 * `Routes{Logs,Role,Function}`, running the dispatcher export with the union of
 * the routes' actions: one set of cold starts, and one identity cache that
 * the routes share. With functionPerRoute, the three functions as they were
 * before, ids included (`Connect…`, `Disconnect…`, `Message…`), each with its own
 * export and only its own route's actions, so such a stack deploys unchanged.
 */
export function addRouteFunctions(scope: Construct, base: RuntimeFunctionBase, props: RouteFunctionsProps): RouteFunctions {
  const table = base.table.tableArn;
  const common = { timeout: props.timeout, reservedConcurrency: props.reservedConcurrency };
  if (!props.functionPerRoute) {
    const routes = addRuntimeFunction(scope, 'Routes', base, {
      ...common,
      exportName: DISPATCHER_EXPORT,
      description: `protoo ${ROUTE_NAMES.map((name) => ROUTES[name].routeKey).join(', ')}`,
      dynamodb: [{ sid: 'ProtooState', actions: ROUTES_DYNAMODB_ACTIONS, resources: [table] }],
    });
    return {
      functions: { connect: routes.function, disconnect: routes.function, message: routes.function },
      logGroups: { connect: routes.logGroup, disconnect: routes.logGroup, message: routes.logGroup },
    };
  }
  const functions = {} as Record<RouteName, nodejs.NodejsFunction>;
  const logGroups = {} as Record<RouteName, logs.LogGroup>;
  for (const name of ROUTE_NAMES) {
    const route = ROUTES[name];
    const built = addRuntimeFunction(scope, name[0].toUpperCase() + name.slice(1), base, {
      ...common,
      exportName: route.exportName,
      description: `protoo ${route.routeKey}`,
      dynamodb: [{ sid: 'ProtooState', actions: DYNAMODB_ACTIONS[name], resources: [table] }],
    });
    functions[name] = built.function;
    logGroups[name] = built.logGroup;
  }
  return { functions, logGroups };
}
