/** Checks every ProtooWebSocketApiProps value against AWS's limits (infra/validate.ts). */
import { Token } from 'aws-cdk-lib';

import { KEEP_ALIVE_INTERVAL_MINUTES } from './protoo-keep-alive.js';
import type { ProtooWebSocketApiProps } from './protoo-websocket-api.js';
import {
  TABLE_NAME_PATTERN,
  checkApiName,
  checkKeepAliveInterval,
  checkLogLevel,
  checkLogRetention,
  checkMemory,
  checkMethodName,
  checkPattern,
  checkRuntimeEnvironment,
  checkThrottleBurst,
  checkThrottleRate,
  checkTimeout,
} from './validate.js';

export function validateProps(props: ProtooWebSocketApiProps): void {
  checkMemory('memorySize', props.memorySize);
  checkTimeout('timeout', props.timeout);
  checkThrottleRate('throttling.rateLimit', props.throttling?.rateLimit);
  checkThrottleBurst('throttling.burstLimit', props.throttling?.burstLimit);
  checkThrottleRate('throttling.connectRateLimit', props.throttling?.connectRateLimit);
  checkThrottleBurst('throttling.connectBurstLimit', props.throttling?.connectBurstLimit);
  checkLogRetention('logRetention', props.logRetention);
  checkLogLevel('logLevel', props.logLevel);
  checkPattern('tableName', props.tableName, TABLE_NAME_PATTERN, '3 to 255 of A-Z a-z 0-9 _ . -');
  checkApiName('apiName', props.apiName);
  const reserved = props.reservedConcurrency;
  if (reserved !== undefined && !Token.isUnresolved(reserved) && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new Error(`reservedConcurrency must be a whole number ≥ 1, got ${reserved}`);
  }
  checkRuntimeEnvironment(props.environment, (variable) => `environment.${variable}`);
  const keepAlive = props.keepAlive || undefined;
  checkKeepAliveInterval('keepAlive.interval', keepAlive?.interval, KEEP_ALIVE_INTERVAL_MINUTES);
  checkMethodName('keepAlive.method', keepAlive?.method);
  checkMethodName('keepAlive.connectionExpiringNotice.method', keepAlive?.connectionExpiringNotice ? keepAlive.connectionExpiringNotice.method : undefined);
}
