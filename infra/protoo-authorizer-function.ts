/**
 * The `$connect` authorizer the construct deploys for the token and jwks
 * modes: lambda/authorizer-entry.ts as its own function, with its own role
 * and log group. In token mode it also creates the signing secret: generated
 * by Secrets Manager (the template and the environment only ever hold its
 * ARN), readable by this function alone with secretsmanager:GetSecretValue.
 */
import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ProtooAuth } from './protoo-auth.js';

export interface ProtooAuthorizerFunctionProps {
  readonly auth: Exclude<ProtooAuth, { mode: 'none' }>;
  readonly packageRoot: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel?: string;
  readonly depsLockFilePath?: string;
  readonly bundling: nodejs.BundlingOptions;
  /** Prebuilt code (tests); the handler is then `index.handler`. */
  readonly code?: lambda.Code;
}

export class ProtooAuthorizerFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  /** Token mode only: JSON `{ "current": "…" }` (add `"previous"` when rotating). */
  readonly secret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ProtooAuthorizerFunctionProps) {
    super(scope, id);
    const { auth } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'protoo $connect authorizer',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const environment: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps', AUTH_MODE: auth.mode };
    if (props.logLevel) environment.LOG_LEVEL = props.logLevel;
    if (auth.mode === 'token') {
      this.secret = new secretsmanager.Secret(this, 'JoinTokenSecret', {
        description: 'protoo join-token signing secret (HS256): {"current": "...", "previous"?: "..."}',
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: 'current',
          passwordLength: 64,
          excludePunctuation: true,
        },
        removalPolicy: props.removalPolicy,
      });
      // Not grantRead(): that adds DescribeSecret, which the authorizer never calls.
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadJoinTokenSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.secret.secretArn],
        }),
      );
      environment.SECRET_ARN = this.secret.secretArn;
    } else {
      environment.JWT_ISSUER = auth.issuer;
      environment.JWT_AUDIENCE = auth.audience;
      environment.JWKS_URL = auth.jwksUrl ?? `${auth.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
      if (auth.peerIdClaim) environment.PEER_ID_CLAIM = auth.peerIdClaim;
      if (auth.roomClaim) environment.ROOM_CLAIM = auth.roomClaim;
    }

    const common: nodejs.NodejsFunctionProps = {
      description: 'protoo $connect authorizer',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      role,
      logGroup: this.logGroup,
      environment,
    };
    this.function = props.code
      ? new nodejs.NodejsFunction(this, 'Function', { ...common, code: props.code, handler: 'index.handler' })
      : new nodejs.NodejsFunction(this, 'Function', {
          ...common,
          entry: path.join(props.packageRoot, 'lambda', 'authorizer-entry.ts'),
          handler: 'handler',
          depsLockFilePath: props.depsLockFilePath,
          bundling: props.bundling,
        });
  }
}
