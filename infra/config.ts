/**
 * Stack settings from CDK context (`cdk deploy -c stage=prod -c throttleRate=100`
 * or the "context" block of cdk.json). A pure function so it can be tested.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

import type { ProtooAuth } from './protoo-auth.js';
import { KEEP_ALIVE_INTERVAL_MINUTES, type ProtooKeepAliveOptions } from './protoo-keep-alive.js';
import type { ProtooWebSocketApiProps } from './protoo-websocket-api.js';
import {
  STACK_NAME_PATTERN,
  checkEmail,
  checkKeepAliveInterval,
  checkLogLevel,
  checkMemory,
  checkMethodName,
  checkPattern,
  checkRuntimeEnvironment,
  checkThrottleBurst,
  checkThrottleRate,
  checkTimeout,
} from './validate.js';
import type { ProtooObservabilityOptions } from './protoo-observability.js';

const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const CERTIFICATE_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const FUNCTION_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;
const HTTPS_URL_PATTERN = /^https:\/\/[^\s/?#]+[^\s]*$/;

export interface StackConfig {
  readonly stackName: string;
  readonly stage: string;
  /** prod/production: CloudFormation refuses to delete the stack. */
  readonly terminationProtection: boolean;
  readonly protoo: ProtooWebSocketApiProps;
  /** Set when the custom domain comes from context: the stack imports the certificate. */
  readonly customDomain?: { domainName: string; certificateArn: string; mappingKey?: string };
  /** Set when the authorizer comes from context: the stack imports the function. */
  readonly authorizer?: { functionArn: string; identitySource?: string[] };
  /** Alarm email and access logs for the observability construct. */
  readonly observability: ProtooObservabilityOptions;
  /** Only what the user named (-c account=… -c region=…); otherwise environment-agnostic. */
  readonly env: { account?: string; region?: string };
}

/** Every context key the app reads. */
export const CONTEXT_KEYS = [
  'stage',
  'stackName',
  'account',
  'region',
  'throttleRate',
  'throttleBurst',
  'memorySize',
  'timeoutSeconds',
  'reservedConcurrency',
  'logRetentionDays',
  'logLevel',
  'removalPolicy',
  'pointInTimeRecovery',
  'entry',
  'functionPerRoute',
  'customDomainName',
  'certificateArn',
  'domainMappingKey',
  'authorizerFunctionArn',
  'authorizerIdentitySource',
  'roomMaxPeers',
  'peerInfoMaxBytes',
  'auth',
  'jwtIssuer',
  'jwtAudience',
  'jwksUrl',
  'peerIdClaim',
  'roomClaim',
  'alarmEmail',
  'accessLogs',
  'keepAlive',
  'keepAliveMinutes',
  'keepAliveMethod',
  'connectionExpiringMethod',
  'rateLimitPerSecond',
  'rateLimitBurst',
  'rateLimitCloseAfter',
  'replacementBackoffFirstMs',
  'replacementBackoffGrowth',
  'replacementBackoffCapMs',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

type Get = (key: ContextKey) => unknown;

export function configFromContext(get: Get): StackConfig {
  const stage = str(get, 'stage') ?? 'dev';
  const prod = stage === 'prod' || stage === 'production';

  const removal = str(get, 'removalPolicy') ?? (prod ? 'retain' : 'destroy');
  if (removal !== 'retain' && removal !== 'destroy') {
    throw new Error(`context removalPolicy must be "retain" or "destroy", got ${JSON.stringify(removal)}`);
  }

  const retentionDays = int(get, 'logRetentionDays');
  if (retentionDays !== undefined && !Object.values(logs.RetentionDays).includes(retentionDays)) {
    throw new Error(`context logRetentionDays must be one of CloudWatch's retention values (1, 3, 5, 7, 14, 30, ...), got ${retentionDays}`);
  }

  const timeoutSeconds = int(get, 'timeoutSeconds');
  const timeout = timeoutSeconds !== undefined ? Duration.seconds(timeoutSeconds) : undefined;
  checkTimeout('context timeoutSeconds', timeout);
  const memorySize = int(get, 'memorySize');
  checkMemory('context memorySize', memorySize);
  const rateLimit = num(get, 'throttleRate');
  const burstLimit = int(get, 'throttleBurst');
  checkThrottleRate('context throttleRate', rateLimit);
  checkThrottleBurst('context throttleBurst', burstLimit);
  const logLevel = str(get, 'logLevel');
  checkLogLevel('context logLevel', logLevel);
  // Checked again, with the other props, by the construct (validate-props.ts).
  const reservedConcurrency = int(get, 'reservedConcurrency');
  const alarmEmail = str(get, 'alarmEmail');
  checkEmail('context alarmEmail', alarmEmail);

  const stackName = str(get, 'stackName') ?? `ProtooServerless-${stage}`;
  checkPattern('context stackName (or ProtooServerless-{stage})', stackName, STACK_NAME_PATTERN, 'a CloudFormation stack name: a letter, then up to 127 of A-Z a-z 0-9 -');

  const account = str(get, 'account');
  checkPattern('context account', account, /^\d{12}$/, 'a 12-digit AWS account ID');
  const region = str(get, 'region');
  checkPattern('context region', region, /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1');

  const domainName = str(get, 'customDomainName');
  const certificateArn = str(get, 'certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error('context customDomainName and certificateArn go together');
  }
  checkPattern('context customDomainName', domainName, DOMAIN_PATTERN, 'a DNS name such as signal.example.com');
  checkPattern('context certificateArn', certificateArn, CERTIFICATE_ARN_PATTERN, 'an ACM certificate ARN (arn:aws:acm:{region}:{account}:certificate/{id})');
  const functionArn = str(get, 'authorizerFunctionArn');
  if (functionArn && str(get, 'auth') !== undefined) {
    throw new Error('context authorizerFunctionArn (your own authorizer) and auth go separately: give one');
  }
  checkPattern('context authorizerFunctionArn', functionArn, FUNCTION_ARN_PATTERN, 'a Lambda function ARN (arn:aws:lambda:{region}:{account}:function:{name})');
  const identitySource = str(get, 'authorizerIdentitySource')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

  return {
    stage,
    stackName,
    terminationProtection: prod,
    observability: { alarmEmail, accessLogs: bool(get, 'accessLogs') },
    protoo: {
      stageName: stage,
      throttling: rateLimit !== undefined || burstLimit !== undefined ? { rateLimit, burstLimit } : undefined,
      memorySize,
      timeout,
      reservedConcurrency,
      environment: runtimeEnvironment(get),
      logRetention: retentionDays as logs.RetentionDays | undefined,
      logLevel,
      removalPolicy: removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pointInTimeRecovery: bool(get, 'pointInTimeRecovery') ?? prod,
      deletionProtection: prod,
      entry: str(get, 'entry'),
      functionPerRoute: bool(get, 'functionPerRoute'),
      roomCapacity: roomCapacity(get),
      auth: functionArn ? undefined : auth(get),
      keepAlive: keepAlive(get),
    },
    customDomain:
      domainName && certificateArn
        ? { domainName, certificateArn, mappingKey: str(get, 'domainMappingKey') }
        : undefined,
    authorizer: functionArn ? { functionArn, identitySource } : undefined,
    env: { account, region },
  };
}

/** Token mode unless `-c auth=none` (anonymous) or `-c auth=jwks` with its issuer and audience. */
function auth(get: Get): ProtooAuth {
  const mode = str(get, 'auth') ?? 'token';
  if (mode === 'token' || mode === 'none') return { mode };
  if (mode !== 'jwks') throw new Error(`context auth must be "token", "jwks" or "none", got ${JSON.stringify(mode)}`);
  const issuer = str(get, 'jwtIssuer');
  const audience = str(get, 'jwtAudience');
  if (!issuer || !audience) throw new Error('context auth=jwks needs jwtIssuer and jwtAudience');
  checkPattern('context jwtIssuer', issuer, HTTPS_URL_PATTERN, 'an https:// URL');
  checkPattern('context jwksUrl', str(get, 'jwksUrl'), HTTPS_URL_PATTERN, 'an https:// URL');
  return {
    mode,
    issuer,
    audience,
    jwksUrl: str(get, 'jwksUrl'),
    peerIdClaim: str(get, 'peerIdClaim'),
    roomClaim: str(get, 'roomClaim'),
  };
}

const KEEP_ALIVE_SETTINGS = ['keepAliveMinutes', 'keepAliveMethod', 'connectionExpiringMethod'] as const;

/** On unless `-c keepAlive=off`; `-c connectionExpiringMethod=off` keeps it but drops the 2-hour notice. */
function keepAlive(get: Get): false | ProtooKeepAliveOptions | undefined {
  const mode = get('keepAlive');
  if (mode === 'off' || mode === false || mode === 'false') {
    const given = KEEP_ALIVE_SETTINGS.filter((key) => isSet(get(key)));
    if (given.length > 0) throw new Error(`context ${given.join(', ')} need keepAlive on, but keepAlive is off`);
    return false;
  }
  if (isSet(mode) && mode !== 'on' && mode !== true && mode !== 'true') {
    throw new Error(`context keepAlive must be "on" or "off", got ${JSON.stringify(mode)}`);
  }
  const minutes = int(get, 'keepAliveMinutes');
  const interval = minutes !== undefined ? Duration.minutes(minutes) : undefined;
  checkKeepAliveInterval('context keepAliveMinutes', interval, KEEP_ALIVE_INTERVAL_MINUTES);
  const method = str(get, 'keepAliveMethod');
  checkMethodName('context keepAliveMethod', method);
  const expiringMethod = str(get, 'connectionExpiringMethod');
  if (expiringMethod !== 'off') checkMethodName('context connectionExpiringMethod', expiringMethod);
  if (interval === undefined && method === undefined && expiringMethod === undefined) return undefined;
  return {
    interval,
    method,
    connectionExpiringNotice: expiringMethod === 'off' ? false : expiringMethod === undefined ? undefined : { method: expiringMethod },
  };
}

/**
 * Context keys for the runtime's settings that have no construct prop of
 * their own: they reach the functions as these environment variables.
 */
export const RUNTIME_ENVIRONMENT_KEYS = {
  rateLimitPerSecond: 'RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  rateLimitCloseAfter: 'RATE_LIMIT_CLOSE_AFTER',
  replacementBackoffFirstMs: 'REPLACEMENT_BACKOFF_FIRST_MS',
  replacementBackoffGrowth: 'REPLACEMENT_BACKOFF_GROWTH',
  replacementBackoffCapMs: 'REPLACEMENT_BACKOFF_CAP_MS',
} as const satisfies Partial<Record<ContextKey, string>>;

/** The rate-limit and replacement-backoff settings given as context, as the runtime's environment (checked as it checks them). */
function runtimeEnvironment(get: Get): Record<string, string> | undefined {
  const environment: Record<string, string> = {};
  const keyOf: Record<string, ContextKey> = {};
  for (const [key, variable] of Object.entries(RUNTIME_ENVIRONMENT_KEYS) as [ContextKey, string][]) {
    const value = get(key);
    if (!isSet(value)) continue;
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`context ${key} must be a number, got ${JSON.stringify(value)}`);
    environment[variable] = String(value).trim();
    keyOf[variable] = key;
  }
  checkRuntimeEnvironment(environment, (variable) => (keyOf[variable] ? `context ${keyOf[variable]} (${variable})` : `${variable} (its default)`));
  return Object.keys(environment).length > 0 ? environment : undefined;
}

function roomCapacity(get: Get): ProtooWebSocketApiProps['roomCapacity'] {
  const maxPeers = int(get, 'roomMaxPeers');
  const maxInfoBytes = int(get, 'peerInfoMaxBytes');
  return maxPeers === undefined && maxInfoBytes === undefined ? undefined : { maxPeers, maxInfoBytes };
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function str(get: Get, key: ContextKey): string | undefined {
  const value = get(key);
  if (!isSet(value)) return undefined;
  if (typeof value !== 'string') throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function num(get: Get, key: ContextKey): number | undefined {
  const value = get(key);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`context ${key} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function int(get: Get, key: ContextKey): number | undefined {
  const n = num(get, key);
  if (n !== undefined && !Number.isInteger(n)) throw new Error(`context ${key} must be an integer, got ${n}`);
  return n;
}

function bool(get: Get, key: ContextKey): boolean | undefined {
  const value = get(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}
