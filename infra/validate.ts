/**
 * AWS's limits for every setting of ProtooWebSocketApi, checked at synth so a
 * bad value fails in one line instead of in a half-done deploy.
 */
import { Token, type Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Lambda memory, MB. */
export const MEMORY_MB = { min: 128, max: 10_240 } as const;
/**
 * Lambda timeout, s: API Gateway stops waiting for a WebSocket integration
 * after 29 s, so a longer-running function would only burn money.
 */
export const TIMEOUT_S = { min: 1, max: 29 } as const;
/** API Gateway's default account-level throttle per region (stage and route limits cannot exceed it). */
export const THROTTLE = { maxRate: 10_000, maxBurst: 5_000 } as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A protoo method the sweep may send: the runtime's own rule, checked at synth too. */
export { METHOD_PATTERN as METHOD_NAME_PATTERN } from '../lambda/keep-alive/settings.js';
import { METHOD_PATTERN as METHOD_NAME_PATTERN } from '../lambda/keep-alive/settings.js';

// CloudFormation stack names; API Gateway API names; DynamoDB table names.
export const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
export const API_NAME_MAX = 128;
export const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

export function checkRange(name: string, value: number | undefined, min: number, max: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be between ${min} and ${max}${unit}, got ${value}${unit}`);
  }
}

export function checkInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !Token.isUnresolved(value) && !Number.isInteger(value)) {
    throw new Error(`${name} must be an integer, got ${value}`);
  }
}

export function checkMemory(name: string, value: number | undefined): void {
  checkInteger(name, value);
  checkRange(name, value, MEMORY_MB.min, MEMORY_MB.max, ' MB');
}

export function checkTimeout(name: string, value: Duration | undefined): void {
  if (value === undefined || Token.isUnresolved(value.toMilliseconds())) return;
  // toSeconds() throws on fractions: say it in the same words as the rest.
  const ms = value.toMilliseconds();
  if (ms % 1000 !== 0) throw new Error(`${name} must be whole seconds, got ${ms} ms`);
  const seconds = ms / 1000;
  if (seconds < TIMEOUT_S.min || seconds > TIMEOUT_S.max) {
    throw new Error(`${name} must be between ${TIMEOUT_S.min} and ${TIMEOUT_S.max} s (API Gateway stops waiting at 29 s), got ${seconds} s`);
  }
}

/** A keep-alive interval: whole minutes, at most 9 (API Gateway closes after 10 silent minutes). */
export function checkKeepAliveInterval(name: string, value: Duration | undefined, minutes: { min: number; max: number }): void {
  if (value === undefined || Token.isUnresolved(value.toMilliseconds())) return;
  const ms = value.toMilliseconds();
  if (ms % 60_000 !== 0) throw new Error(`${name} must be whole minutes, got ${ms} ms`);
  const count = ms / 60_000;
  if (count < minutes.min || count > minutes.max) {
    throw new Error(`${name} must be between ${minutes.min} and ${minutes.max} minutes (API Gateway closes a connection silent for 10), got ${count} minutes`);
  }
}

export function checkMethodName(name: string, value: string | undefined): void {
  checkPattern(name, value, METHOD_NAME_PATTERN, '1 to 64 of A-Z a-z 0-9 _ . : -');
}

export function checkThrottleRate(name: string, rate: number | undefined): void {
  if (rate !== undefined && !Token.isUnresolved(rate) && !(rate > 0 && rate <= THROTTLE.maxRate)) {
    throw new Error(`${name} must be above 0 and at most ${THROTTLE.maxRate} requests/s, got ${rate}`);
  }
}

export function checkThrottleBurst(name: string, burst: number | undefined): void {
  checkInteger(name, burst);
  checkRange(name, burst, 1, THROTTLE.maxBurst, ' requests');
}

export function checkLogRetention(name: string, value: logs.RetentionDays | undefined): void {
  if (value !== undefined && !Object.values(logs.RetentionDays).includes(value)) {
    throw new Error(`${name} must be one of CloudWatch's retention values (1, 3, 5, 7, 14, 30, 60, 90, ...), got ${value}`);
  }
}

export function checkLogLevel(name: string, value: string | undefined): void {
  if (value !== undefined && !(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

export function checkPattern(name: string, value: string | undefined, pattern: RegExp, what: string): void {
  if (value !== undefined && !Token.isUnresolved(value) && !pattern.test(value)) {
    throw new Error(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  }
}

export function checkApiName(name: string, value: string | undefined): void {
  if (value !== undefined && !Token.isUnresolved(value) && (value.length < 1 || value.length > API_NAME_MAX)) {
    throw new Error(`${name} must be 1 to ${API_NAME_MAX} characters, got ${value.length}`);
  }
}
