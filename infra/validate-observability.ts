/** Checks the ProtooObservability props against CloudWatch's and CloudFormation's limits (infra/validate.ts). */
import { ALARM_NAMES, type AlarmName } from './protoo-observability-alarms.js';
import type { ProtooObservabilityProps } from './protoo-observability.js';
import {
  checkAlarmTuning,
  checkDimensionValue,
  checkEmail,
  checkLogRetention,
  checkMetricNamespace,
  checkOutputPrefix,
} from './validate.js';

export function validateObservabilityProps(props: Partial<ProtooObservabilityProps>): void {
  checkEmail('alarmEmail', props.alarmEmail);
  checkMetricNamespace('metricNamespace', props.metricNamespace);
  checkDimensionValue('serviceName', props.serviceName);
  checkOutputPrefix('outputPrefix', props.outputPrefix);
  checkLogRetention('accessLogRetention', props.accessLogRetention);
  for (const [name, tuning] of Object.entries(props.alarms ?? {})) {
    // A misspelt name would silently tune nothing.
    if (!(ALARM_NAMES as readonly string[]).includes(name)) {
      throw new Error(`alarms.${name} is not an alarm; the alarms are ${ALARM_NAMES.join(', ')}`);
    }
    if (tuning === false || tuning === undefined) continue;
    if (tuning === null || typeof tuning !== 'object') {
      throw new Error(`alarms.${name as AlarmName} must be false or { threshold, evaluationPeriods, datapointsToAlarm, period }, got ${JSON.stringify(tuning)}`);
    }
    checkAlarmTuning(`alarms.${name}`, tuning);
  }
}
