/**
 * AWS's limits for every setting of ProtooWebSocketApi, checked at synth so a
 * bad value fails in one line instead of in a half-done deploy.
 */
import { Token, type Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Lambda memory, MB. */
export const MEMORY_MB = { min: 128, max: 10_240 } as const;
/**
 * Lambda timeout of the route functions, s.
 *
 * - At most 29: API Gateway stops waiting for a WebSocket integration after
 *   29 s, so a longer-running function would only burn money.
 * - At least 10: each invocation's work must end ANSWER_RESERVE_MS (2 s)
 *   before the timeout, kept to answer 503 and log (lambda/runtime/deadline.ts),
 *   and one DynamoDB call, retries included, may take up to 7.5 s
 *   (3 attempts × 2 s + ≤ 1.5 s of backoff, lambda/store/dynamodb-client.ts):
 *   2 + 7.5 rounds up to 10. Below it, a call the SDK would still get
 *   through on its last retry is cut off and answered 503.
 *   test/infra/validation.test.ts recomputes this from the runtime's numbers.
 */
export const TIMEOUT_S = { min: 10, max: 29 } as const;
/** Why TIMEOUT_S is what it is, in the error that refuses a timeout. */
const TIMEOUT_REASON = 'at least 2 s to answer + 7.5 s for one DynamoDB call with its retries; API Gateway stops waiting at 29 s';
/** API Gateway's default account-level throttle per region (stage and route limits cannot exceed it). */
export const THROTTLE = { maxRate: 10_000, maxBurst: 5_000 } as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A protoo method the sweep may send: the runtime's own rule, checked at synth too. */
export { METHOD_PATTERN as METHOD_NAME_PATTERN } from '../lambda/keep-alive/settings.js';
import { METHOD_PATTERN as METHOD_NAME_PATTERN } from '../lambda/keep-alive/settings.js';
import { checkRuntimeSettings } from '../lambda/runtime-settings.js';

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
    throw new Error(`${name} must be between ${TIMEOUT_S.min} and ${TIMEOUT_S.max} s (${TIMEOUT_REASON}), got ${seconds} s`);
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

/** An address SNS can send to: one @, a dot in the domain, no spaces; at most 254 characters (RFC 5321). */
export const EMAIL_PATTERN = /^(?=.{3,254}$)[^\s@]+@[^\s@]+\.[^\s@.]+$/;

export function checkEmail(name: string, value: string | undefined): void {
  checkPattern(name, value, EMAIL_PATTERN, 'an email address such as ops@example.com');
}

/**
 * A CloudWatch namespace the metric filters and Powertools Metrics can both
 * publish to: 1 to 255 characters, none of `:` `*` `$` (metric filters
 * refuse them), and not `AWS/…` (reserved for AWS services).
 */
export function checkMetricNamespace(name: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (value.length < 1 || value.length > 255 || /[:*$]/.test(value) || /[^\x20-\x7e]/.test(value) || /^AWS\//i.test(value)) {
    throw new Error(`${name} must be 1 to 255 printable ASCII characters without : * $, not starting with AWS/, got ${JSON.stringify(value)}`);
  }
}

/** A prefix of CloudFormation output logical ids: letters and digits only. */
export function checkOutputPrefix(name: string, value: string | undefined): void {
  checkPattern(name, value, /^[A-Za-z0-9]{0,200}$/, 'up to 200 letters and digits (a CloudFormation logical id prefix)');
}

/** A CloudWatch dimension value: 1 to 1024 characters. */
export function checkDimensionValue(name: string, value: string | undefined): void {
  if (value !== undefined && !Token.isUnresolved(value) && (value.length < 1 || value.length > 1024)) {
    throw new Error(`${name} must be 1 to 1024 characters, got ${value.length}`);
  }
}

/** The longest an alarm may look back: CloudWatch refuses periods × evaluation periods over one day. */
export const ALARM_MAX_EVALUATION_S = 86_400;

/**
 * One alarm's tuning. Every metric the alarms watch has 1-minute resolution
 * (Lambda, API Gateway, DynamoDB, metric filters), so the period is whole
 * minutes; a threshold is a finite number, ≥ 0 (the metrics are counts and
 * durations).
 */
export function checkAlarmTuning(
  name: string,
  tuning: { threshold?: number; evaluationPeriods?: number; datapointsToAlarm?: number; period?: Duration },
): void {
  const { threshold, evaluationPeriods, datapointsToAlarm, period } = tuning;
  if (threshold !== undefined && !Token.isUnresolved(threshold) && !(Number.isFinite(threshold) && threshold >= 0)) {
    throw new Error(`${name}.threshold must be a number ≥ 0, got ${threshold}`);
  }
  checkInteger(`${name}.evaluationPeriods`, evaluationPeriods);
  checkRange(`${name}.evaluationPeriods`, evaluationPeriods, 1, ALARM_MAX_EVALUATION_S / 60);
  const periods = evaluationPeriods ?? 1;
  checkInteger(`${name}.datapointsToAlarm`, datapointsToAlarm);
  if (datapointsToAlarm !== undefined && !Token.isUnresolved(datapointsToAlarm) && !(datapointsToAlarm >= 1 && datapointsToAlarm <= periods)) {
    throw new Error(`${name}.datapointsToAlarm must be between 1 and evaluationPeriods (${periods}), got ${datapointsToAlarm}`);
  }
  if (period === undefined || Token.isUnresolved(period.toMilliseconds())) return;
  const ms = period.toMilliseconds();
  if (ms < 60_000 || ms % 60_000 !== 0) {
    throw new Error(`${name}.period must be whole minutes (the metrics have 1-minute resolution), got ${ms / 1000} s`);
  }
  if ((ms / 1000) * periods > ALARM_MAX_EVALUATION_S) {
    throw new Error(`${name}: period × evaluationPeriods must be at most 1 day (CloudWatch's limit), got ${(ms / 1000) * periods} s`);
  }
}

/**
 * The runtime settings in an environment, checked at synth by the runtime's
 * own readers, so a value its functions would refuse at every cold start
 * fails `cdk synth` in one line instead. `label` names a variable in the
 * error (the prop, or the context key it came from). Values CDK resolves only
 * at deploy time (tokens) are left to the runtime.
 */
export function checkRuntimeEnvironment(env: Readonly<Record<string, string>> | undefined, label: (variable: string) => string): void {
  if (!env) return;
  const known = Object.fromEntries(Object.entries(env).filter(([, raw]) => !Token.isUnresolved(raw)));
  try {
    checkRuntimeSettings(known);
  } catch (error) {
    // The runtime's own words name the variable; say where it was set.
    const message = (error as Error).message;
    const variable = /^[A-Z][A-Z0-9_]*/.exec(message)?.[0];
    throw new Error(variable ? `${label(variable)}${message.slice(variable.length)}` : message);
  }
}
