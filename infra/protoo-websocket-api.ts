/**
 * ProtooWebSocketApi: everything a protoo 4.x signaling endpoint needs on AWS,
 * in one reusable construct.
 *
 *   - one DynamoDB table (on-demand, TTL, optional PITR) shaped exactly as the
 *     runtime expects (keys imported from lambda/store/table-schema.ts);
 *   - one Lambda function serving $connect, $disconnect and $default (the
 *     app's `handler` export, which dispatches on the event), with its own role
 *     holding the DynamoDB actions of all three routes, only on this table, and
 *     execute-api:ManageConnections only on this API's stage; or, with
 *     `functionPerRoute: true`, one function per route, each with its own
 *     export and only its route's actions (infra/protoo-runtime-function.ts);
 *   - the keep-alive sweep (on unless `keepAlive: false`): one more function
 *     from the same bundle, scoped alike, run every minute by an EventBridge
 *     rule, that keeps idle connections open and ends the peers of dead ones
 *     (infra/protoo-keep-alive.ts);
 *   - an API Gateway WebSocket API with a stage (auto-deploy, throttling);
 *   - an explicit log group with retention per function;
 *   - a Lambda REQUEST authorizer on $connect: by default one that verifies
 *     signed join tokens (secret generated in Secrets Manager); JWKS mode for
 *     an external identity provider; your own function; or, explicitly,
 *     anonymous (`auth: { mode: 'none' }`);
 *   - optionally a custom domain.
 *
 * Drop it into any stack:
 *
 *   const protoo = new ProtooWebSocketApi(this, 'Protoo', { stageName: 'prod' });
 *   new CfnOutput(this, 'Url', { value: protoo.url });
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

import type { AuthMode, ProtooAuth } from './protoo-auth.js';
import { ProtooAuthorizerFunction } from './protoo-authorizer-function.js';
import { ProtooKeepAlive, SWEEP_EXPORT, type ProtooKeepAliveOptions } from './protoo-keep-alive.js';
import { acknowledgeInherentFindings } from './protoo-nag-acknowledgments.js';
import {
  addRouteFunctions,
  DISPATCHER_EXPORT,
  DYNAMODB_ACTIONS,
  ROUTES,
  ROUTES_DYNAMODB_ACTIONS,
  RUNTIME,
  type RouteName,
  type RuntimeFunctionBase,
} from './protoo-runtime-function.js';
import { validateProps } from './validate-props.js';

import {
  KEEP_ALIVE_BUCKET_ATTRIBUTE,
  KEEP_ALIVE_INDEX,
  KEEP_ALIVE_PROJECTED_ATTRIBUTES,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '../lambda/store/table-schema.js';
import { DEFAULT_LIMITS, validateLimits, type RoomRelayLimits } from '../lambda/apps/room-relay/limits.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = path.resolve(HERE, '..');

/** The default app: the room relay, built by the runtime's lambda/entry.ts. */
export const DEFAULT_ENTRY = path.join(PACKAGE_ROOT, 'lambda', 'entry.ts');

export { DISPATCHER_EXPORT, DYNAMODB_ACTIONS, ROUTES, ROUTES_DYNAMODB_ACTIONS, RUNTIME, type RouteName };

/** The Management API methods the runtime uses: POST (send) and DELETE (close); it never GETs connection info. */
export const MANAGEMENT_API_METHODS = ['POST', 'DELETE'] as const;

/** Bundling defaults: ESM (.mjs) for Node 22 on arm64, minified, with source maps. */
export const DEFAULT_BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  // Prefer the ES module builds of dependencies (the AWS SDK v3 ships them):
  // they tree-shake, and they need no `require`.
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies still call require() for Node built-ins; an ES
  // module has no `require`, so give the bundle one.
  banner: "import{createRequire as __protooCreateRequire}from'node:module';const require=__protooCreateRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  // Stack traces only need the mappings, not a copy of every source file.
  sourcesContent: false,
  // Bundle the AWS SDK v3 rather than use the copy in the Lambda runtime: the
  // code then runs the exact SDK versions the tests ran (package-lock.json), an
  // ES module bundle never has to resolve packages outside /var/task, and a
  // tree-shaken, minified SDK loads faster on a cold start than the runtime's
  // unbundled one.
  bundleAwsSDK: true,
  // There is no Docker here (nor in CI): esbuild from node_modules does it.
  forceDockerBundling: false,
};

export interface ProtooThrottling {
  /** Steady-state messages (and connects) per second across the stage. @default 500 */
  readonly rateLimit?: number;
  /** Burst size. @default 1000 */
  readonly burstLimit?: number;
  /** $connect's own throttle, so connect storms cannot spend the message budget. @default 50 */
  readonly connectRateLimit?: number;
  /** $connect's burst size. @default 100 */
  readonly connectBurstLimit?: number;
}

export interface ProtooAuthorizerOptions {
  /**
   * Your REQUEST authorizer Lambda. To name the peer, return
   * `context: { roomId, peerId }` (strings) in its policy response: the runtime
   * then uses them instead of the query string, on every message.
   */
  readonly handler: lambda.IFunction;
  /**
   * Where API Gateway reads the identity from. Browsers cannot set headers on
   * a WebSocket, so use query-string parameters. A connect request missing any
   * of them is refused with 401 without calling the authorizer.
   * @default ['route.request.querystring.token']
   */
  readonly identitySource?: string[];
}

export interface ProtooCustomDomainOptions {
  /** e.g. `signaling.example.com` */
  readonly domainName: string;
  /** An ACM certificate for domainName, in the stack's region (regional endpoint). */
  readonly certificate: ICertificate;
  /** Path under the domain (`wss://domain/{mappingKey}`). @default - the root */
  readonly mappingKey?: string;
  /** When given, an A alias record for domainName is created in this zone. @default - none: create the DNS record yourself */
  readonly hostedZone?: route53.IHostedZone;
}

export interface ProtooWebSocketApiProps {
  /** @default 'dev' */
  readonly stageName?: string;
  /** Stage throttling. @default { rateLimit: 500, burstLimit: 1000 } */
  readonly throttling?: ProtooThrottling;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * The functions' timeout. Each invocation's work ends 2 s before it (the
   * runtime's deadline, read from the Lambda context), so a browned-out
   * dependency is answered 503 "try again" and logged instead of timing out:
   * 10 s = 8 s of work + 2 s to answer. At least 10 s (one DynamoDB call,
   * retries included, may take 7.5 s of those 8), at most 29 s (API
   * Gateway's integration timeout).
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency of the function that serves the routes (of each of
   * the three with `functionPerRoute`; never of the sweep): caps how many run
   * at once (and guarantees them that many), so a brown-out cannot use up the
   * account's unreserved concurrency and throttle other functions. Above the
   * cap, API Gateway refuses the handshake or drops the message; connects,
   * messages and disconnects now share it. The account must keep ≥ 100
   * unreserved, so this (3 × this with `functionPerRoute`) must fit.
   * @default - none: the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** LOG_LEVEL for the runtime (debug, info, warn, error). @default - the runtime's default */
  readonly logLevel?: string;
  /** Removal policy of the table and the log groups: RETAIN for production, DESTROY for dev stages. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Point-in-time recovery on the table. @default false */
  readonly pointInTimeRecovery?: boolean;
  /** DynamoDB deletion protection on the table (the app turns it on for prod). @default false */
  readonly deletionProtection?: boolean;
  /**
   * The app: a TypeScript module exporting `handler`, which serves every
   * route and the keep-alive sweep; with `functionPerRoute`, `connect`,
   * `disconnect`, `message` and `sweep` instead. Export all five to deploy
   * either way and to run the module on the local stack
   * (`export const { handler, connect, disconnect, message, sweep } = createHandlers(myApp)`).
   * @default the room relay, lambda/entry.ts
   */
  readonly entry?: string;
  /** Lock file that marks the project root for esbuild. @default the lock file next to entry, or found from the working directory */
  readonly depsLockFilePath?: string;
  /** Merged over DEFAULT_BUNDLING. */
  readonly bundling?: nodejs.BundlingOptions;
  /**
   * Use this code instead of bundling `entry` (the handler is `index.handler`;
   * with `functionPerRoute`, `index.connect`, `index.disconnect`, `index.message`,
   * `index.sweep`). Meant for tests that do not need a real bundle, e.g.
   * `lambda.Code.fromInline('')`.
   * @default - bundle `entry` with esbuild
   */
  readonly code?: lambda.Code;
  /**
   * One function per route ($connect, $disconnect, $default), each running
   * its own export (`connect`, `disconnect`, `message`; the sweep runs
   * `sweep`) with only its route's DynamoDB actions: the layout before the
   * one function, logical ids included. For apps that export only per-route
   * handlers; costs three sets of cold starts and identity caches, and an
   * app that calls from one route's hooks what only another route's handler
   * needs (e.g. `peer.request()` from `onPeerClosed`) is refused by IAM.
   * @default false: one function serves all three routes
   */
  readonly functionPerRoute?: boolean;
  /**
   * Who may connect. Token mode (signed join tokens, secret generated in
   * Secrets Manager) unless you opt out with `{ mode: 'none' }` (anonymous:
   * anyone can connect as any peerId) or bring your own `authorizer`.
   * @default { mode: 'token' }
   */
  readonly auth?: ProtooAuth;
  /** Your own REQUEST authorizer on $connect (and only there), instead of `auth`. */
  readonly authorizer?: ProtooAuthorizerOptions;
  /**
   * Optional custom domain for clients. The functions still post to the
   * stage's own callback URL, so delivery never depends on the domain's DNS.
   */
  readonly customDomain?: ProtooCustomDomainOptions;
  /**
   * The room relay's declared capacity (ROOM_MAX_PEERS, PEER_INFO_MAX_BYTES),
   * checked at synth: a full room of the largest info must fit in one 128 KB
   * answer. @default - 100 peers of 1024 bytes
   */
  readonly roomCapacity?: Partial<RoomRelayLimits>;
  /**
   * The keep-alive sweep: every connection gets a small notification each
   * interval (API Gateway closes one silent for 10 minutes), a connection
   * found Gone ends its peer as $disconnect would, and one near API
   * Gateway's 2-hour maximum is told when it closes. `false`: none of it,
   * and idle clients are closed after 10 minutes.
   * @default { interval: Duration.minutes(8), method: 'serverKeepAlive', connectionExpiringNotice: { method: 'connectionExpiring' } }
   */
  readonly keepAlive?: false | ProtooKeepAliveOptions;
  /** Extra environment for the functions (e.g. your app's settings). */
  readonly environment?: Record<string, string>;
  /** @default - generated by CloudFormation */
  readonly tableName?: string;
  /** @default - unique per stack and construct, e.g. ProtooServerless-dev-Protoo-1A2B3C4D */
  readonly apiName?: string;
}

/** Browsers cannot set headers on a WebSocket: the token travels in the query string. */
export const TOKEN_IDENTITY_SOURCE = 'route.request.querystring.token';
export const IDENTITY_SOURCE_PATTERN = /^route\.request\.(querystring|header)\.[A-Za-z0-9_.~-]+$/;
// Same characters API Gateway accepts in a mapping key.
const MAPPING_KEY_PATTERN = /^[A-Za-z0-9$\-_.+!*'()]+(\/[A-Za-z0-9$\-_.+!*'()]+)*$/;
const STAGE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export class ProtooWebSocketApi extends Construct {
  readonly table: dynamodb.Table;
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  /**
   * The function serving each route: by default the same one for all three
   * (grant to any of them, or to `functions.message`), one each with `functionPerRoute`.
   */
  readonly functions: Readonly<Record<RouteName, lambda.Function>>;
  /** Their log groups, by the same route names (by default the same one thrice). */
  readonly logGroups: Readonly<Record<RouteName, logs.LogGroup>>;
  /** The keep-alive sweep, its log group and its every-minute rule (unless `keepAlive: false`). */
  readonly keepAliveFunction?: lambda.Function;
  readonly keepAliveLogGroup?: logs.LogGroup;
  readonly keepAliveRule?: events.Rule;
  readonly domainName?: apigwv2.DomainName;
  /** The URL protoo-client connects to (add `?roomId=…&peerId=…`). */
  readonly url: string;
  /** The stage's own Management API endpoint (https://{apiId}.execute-api.{region}.{suffix}/{stage}). */
  readonly callbackUrl: string;
  /** MANAGEMENT_API_ENDPOINT given to the functions: always callbackUrl. */
  readonly managementApiEndpoint: string;
  /** Who may connect: token, jwks, none (anonymous) or custom (your authorizer). */
  readonly authMode: AuthMode | 'custom';
  /** The authorizer the construct deployed (token and jwks modes), and its log group. */
  readonly authorizerFunction?: lambda.Function;
  readonly authorizerLogGroup?: logs.LogGroup;
  /** Token mode: the join-token signing secret. */
  readonly joinTokenSecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ProtooWebSocketApiProps = {}) {
    super(scope, id);

    validateProps(props);
    const stageName = props.stageName ?? 'dev';
    if (!STAGE_NAME_PATTERN.test(stageName)) {
      throw new Error(`stageName must match ${STAGE_NAME_PATTERN}: ${JSON.stringify(stageName)}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const mappingKey = props.customDomain?.mappingKey;
    if (mappingKey !== undefined && !MAPPING_KEY_PATTERN.test(mappingKey)) {
      throw new Error(`customDomain.mappingKey must match ${MAPPING_KEY_PATTERN}: ${JSON.stringify(mappingKey)}`);
    }
    if (props.authorizer && props.auth) {
      throw new Error('give either authorizer (your own function) or auth, not both');
    }
    const auth: ProtooAuth = props.auth ?? { mode: 'token' };
    this.authMode = props.authorizer ? 'custom' : auth.mode;
    const identitySource = props.authorizer?.identitySource ?? [TOKEN_IDENTITY_SOURCE];
    if (props.authorizer) {
      if (identitySource.length === 0) throw new Error('authorizer.identitySource must not be empty');
      for (const source of identitySource) {
        if (!IDENTITY_SOURCE_PATTERN.test(source)) {
          throw new Error(
            `authorizer.identitySource entries must look like route.request.querystring.NAME: ${JSON.stringify(source)}`,
          );
        }
      }
    }

    // ---- State ----------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? false },
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy,
    });
    // The sweep finds the connections due each minute here; only connection items carry the bucket.
    this.table.addGlobalSecondaryIndex({
      indexName: KEEP_ALIVE_INDEX,
      partitionKey: { name: KEEP_ALIVE_BUCKET_ATTRIBUTE, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: KEEP_ALIVE_PROJECTED_ATTRIBUTES,
    });

    // ---- API and stage --------------------------------------------------
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      // Several stacks in one account and region must be told apart in the console.
      apiName: props.apiName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-', allowedSpecialCharacters: '-' }),
      description: 'protoo signaling (protoo-serverless)',
    });

    if (props.customDomain) {
      this.domainName = new apigwv2.DomainName(this, 'DomainName', {
        domainName: props.customDomain.domainName,
        certificate: props.customDomain.certificate,
        // WebSocket APIs support regional custom domains only.
        endpointType: apigwv2.EndpointType.REGIONAL,
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
    }

    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttling?.rateLimit ?? 500,
        burstLimit: props.throttling?.burstLimit ?? 1000,
      },
      domainMapping: this.domainName ? { domainName: this.domainName, mappingKey } : undefined,
    });
    // The L2 stage has no route settings: $connect gets its own throttle on the CfnStage,
    // so a connect storm is throttled before it can spend the stage's message budget.
    (this.stage.node.defaultChild as apigwv2.CfnStage).routeSettings = {
      $connect: {
        ThrottlingRateLimit: props.throttling?.connectRateLimit ?? 50,
        ThrottlingBurstLimit: props.throttling?.connectBurstLimit ?? 100,
      },
    };

    if (this.domainName && props.customDomain?.hostedZone) {
      new route53.ARecord(this, 'DomainAlias', {
        zone: props.customDomain.hostedZone,
        recordName: props.customDomain.domainName,
        target: route53.RecordTarget.fromAlias(
          new route53Targets.ApiGatewayv2DomainProperties(
            this.domainName.regionalDomainName,
            this.domainName.regionalHostedZoneId,
          ),
        ),
      });
    }

    this.url = props.customDomain
      ? `wss://${props.customDomain.domainName}${mappingKey ? `/${mappingKey}` : ''}`
      : this.stage.url;
    // Posts go to the stage itself, never through the custom domain: that one
    // fails until its DNS exists, and would need the mapping key to be right.
    this.callbackUrl = this.stage.callbackUrl;
    this.managementApiEndpoint = this.callbackUrl;

    // ---- Functions ------------------------------------------------------
    const environment: Record<string, string> = {
      ...props.environment,
      TABLE_NAME: this.table.tableName,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.logLevel) environment.LOG_LEVEL = props.logLevel;
    if (props.roomCapacity) {
      const { maxPeers, maxInfoBytes } = validateLimits({ ...DEFAULT_LIMITS, ...props.roomCapacity });
      environment.ROOM_MAX_PEERS = String(maxPeers);
      environment.PEER_INFO_MAX_BYTES = String(maxInfoBytes);
    }
    environment.MANAGEMENT_API_ENDPOINT = this.managementApiEndpoint;

    const entry = props.entry ?? DEFAULT_ENTRY;
    const base: RuntimeFunctionBase = {
      entry,
      depsLockFilePath: props.depsLockFilePath ?? findLockFile(path.dirname(entry)),
      bundling: { ...DEFAULT_BUNDLING, ...props.bundling },
      code: props.code,
      memorySize: props.memorySize ?? 256,
      environment,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
      table: this.table,
      // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/@connections/*
      connectionsArns: MANAGEMENT_API_METHODS.map((method) => this.api.arnForExecuteApiV2(`${method}/@connections/*`, stageName)),
    };

    const functionPerRoute = props.functionPerRoute ?? false;
    const { functions, logGroups } = addRouteFunctions(this, base, {
      functionPerRoute,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrency: props.reservedConcurrency,
    });
    this.functions = functions;
    this.logGroups = logGroups;

    if (props.keepAlive !== false) {
      // The sweep runs the routes' own export: an app exports `handler` alone (or the per-route set).
      const exportName = functionPerRoute ? SWEEP_EXPORT : DISPATCHER_EXPORT;
      const keepAlive = new ProtooKeepAlive(this, 'KeepAlive', { ...base, exportName, options: props.keepAlive });
      this.keepAliveFunction = keepAlive.function;
      this.keepAliveLogGroup = keepAlive.logGroup;
      this.keepAliveRule = keepAlive.rule;
    }

    // ---- Authorizer -----------------------------------------------------
    // API Gateway caches nothing here: WebSocket authorizers have no result
    // cache setting (AuthorizerResultTtlInSeconds is for HTTP APIs only, and
    // WebSocketLambdaAuthorizer takes no TTL), so every $connect is verified.
    // The identity source is the token alone, never roomId/peerId, so even a
    // cache keyed on it could only ever repeat one token's own identity.
    let authorizerHandler = props.authorizer?.handler;
    if (!props.authorizer && auth.mode !== 'none') {
      const built = new ProtooAuthorizerFunction(this, 'Authorizer', {
        auth,
        packageRoot: PACKAGE_ROOT,
        removalPolicy,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        logLevel: props.logLevel,
        depsLockFilePath: findLockFile(PACKAGE_ROOT),
        bundling: { ...DEFAULT_BUNDLING, ...props.bundling },
        code: props.code,
      });
      this.authorizerFunction = built.function;
      this.authorizerLogGroup = built.logGroup;
      this.joinTokenSecret = built.secret;
      authorizerHandler = built.function;
    }

    // ---- Routes ---------------------------------------------------------
    const authorizer = authorizerHandler
      ? new WebSocketLambdaAuthorizer('ConnectAuthorizer', authorizerHandler, { identitySource })
      : undefined;
    this.api.addRoute(ROUTES.connect.routeKey, {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', functions.connect),
      authorizer,
    });
    this.api.addRoute(ROUTES.disconnect.routeKey, {
      integration: new WebSocketLambdaIntegration('DisconnectIntegration', functions.disconnect),
    });
    this.api.addRoute(ROUTES.message.routeKey, {
      integration: new WebSocketLambdaIntegration('MessageIntegration', functions.message),
    });

    acknowledgeInherentFindings(
      { ...this, pointInTimeRecovery: props.pointInTimeRecovery ?? false, runtime: RUNTIME },
      MANAGEMENT_API_METHODS,
    );
  }
}

/** The nearest package-lock.json (or other lock file) at or above dir, if any. */
function findLockFile(dir: string): string | undefined {
  const names = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock'];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    for (const name of names) {
      const candidate = path.join(current, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(current) === current) return undefined;
  }
}
