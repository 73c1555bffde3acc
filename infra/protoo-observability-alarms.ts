/**
 * The alarm set of a protoo endpoint, as data: which metric, which threshold,
 * and why. The construct turns each into a CloudWatch alarm; props tune or
 * disable any of them by name.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

export type AlarmName =
  | 'lambdaErrors'
  | 'lambdaThrottles'
  | 'lambdaDuration'
  | 'failedOutcomes'
  | 'integrationErrors'
  | 'executionErrors'
  | 'dynamoThrottles'
  | 'dynamoSystemErrors'
  | 'keepAliveStopped'
  | 'authorizerErrors';

export const ALARM_NAMES: readonly AlarmName[] = [
  'lambdaErrors',
  'lambdaThrottles',
  'lambdaDuration',
  'failedOutcomes',
  'integrationErrors',
  'executionErrors',
  'dynamoThrottles',
  'dynamoSystemErrors',
  'keepAliveStopped',
  'authorizerErrors',
];

/** What a prop may change on one alarm (`false` disables it). */
export interface AlarmTuning {
  /** For lambdaDuration: milliseconds. @default per alarm, see DEFAULT_ALARMS */
  readonly threshold?: number;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
}

export type AlarmSettings = Partial<Record<AlarmName, AlarmTuning | false>>;

export interface AlarmDefault {
  /** undefined: computed (lambdaDuration: a fraction of the function's timeout). */
  readonly threshold?: number;
  readonly statistic: string;
  readonly description: string;
  /** Fires when the metric falls below the threshold, and when it is missing: for what must keep happening. */
  readonly whenBelow?: boolean;
}

/** Share of the Lambda timeout at which lambdaDuration fires by default. */
export const DURATION_TIMEOUT_RATIO = 0.8;

export const DEFAULT_ALARMS: Readonly<Record<AlarmName, AlarmDefault>> = {
  // The route wrapper catches everything, so Errors only moves for crashes, out-of-memory and timeouts.
  lambdaErrors: { threshold: 1, statistic: 'Sum', description: 'the function crashed, ran out of memory or timed out' },
  lambdaThrottles: { threshold: 1, statistic: 'Sum', description: 'invocations refused for lack of concurrency' },
  lambdaDuration: { statistic: 'p99', description: `p99 duration above ${DURATION_TIMEOUT_RATIO * 100}% of the timeout` },
  // A few failures a deploy or a brown-out can cause; more means clients are being answered "internal error" or "try again".
  failedOutcomes: {
    threshold: 5,
    statistic: 'Sum',
    description: 'invocations that failed (error line with "outcome":"failed"): a client was answered 500 internal error or 503 try again',
  },
  // $connect refusals the app answers with 4xx count here too: hence not 1.
  integrationErrors: { threshold: 10, statistic: 'Sum', description: 'API Gateway got a 4xx/5xx from a function' },
  executionErrors: { threshold: 1, statistic: 'Sum', description: 'API Gateway failed to invoke a function' },
  dynamoThrottles: { threshold: 1, statistic: 'Sum', description: 'DynamoDB throttled requests' },
  dynamoSystemErrors: { threshold: 1, statistic: 'Sum', description: 'DynamoDB answered 500 (SystemErrors)' },
  // Every minute: none in a period means idle clients are being closed after 10 minutes.
  keepAliveStopped: {
    threshold: 1,
    statistic: 'Sum',
    description: 'the keep-alive sweep was not invoked: idle connections will be closed after 10 minutes',
    whenBelow: true,
  },
  // Not Lambda's Errors metric: every refused token counts there (the
  // authorizer throws Unauthorized for API Gateway's 401), so it moves with
  // expired tokens and probes. This counts what fails on valid ones.
  authorizerErrors: {
    threshold: 1,
    statistic: 'Sum',
    description: 'the $connect authorizer failed (join-token secret unreadable, a bug, a crash, a timeout): connects were refused with 500, valid tokens included',
  },
};

/** The settings for one alarm, or undefined when disabled. */
export function tuningFor(settings: AlarmSettings | undefined, name: AlarmName): AlarmTuning | undefined {
  const given = settings?.[name];
  return given === false ? undefined : (given ?? {});
}

export function alarmProps(
  metric: cloudwatch.IMetric,
  tuning: AlarmTuning,
  threshold: number,
  description: string,
  whenBelow = false,
): cloudwatch.AlarmProps {
  const evaluationPeriods = tuning.evaluationPeriods ?? 1;
  return {
    metric,
    threshold: tuning.threshold ?? threshold,
    evaluationPeriods,
    datapointsToAlarm: tuning.datapointsToAlarm ?? evaluationPeriods,
    comparisonOperator: whenBelow
      ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
      : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // No traffic is not a failure, unless the metric is what must keep happening.
    treatMissingData: whenBelow ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: description,
  };
}
