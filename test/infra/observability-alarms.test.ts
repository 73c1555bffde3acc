import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';

import { distinct, ROUTE_NAMES } from './helpers.js';
import { synthObserved } from './observability-helpers.js';

type Resource = { Properties: Record<string, unknown> };
const alarmsOf = (template: Template) => Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
const withMetric = (template: Template, metricName: string) => alarmsOf(template).filter((a) => a.Properties.MetricName === metricName);
/** Alarms on a math expression (DynamoDB per-operation sums) whose metrics are all this one. */
const withMathOver = (template: Template, metricName: string) =>
  alarmsOf(template).filter((a) =>
    ((a.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[] | undefined) ?? []).some((m) => m.MetricStat?.Metric.MetricName === metricName),
  );

const functionOf = (alarm: Resource) => (alarm.Properties.Dimensions as { Value: { Ref: string } }[])[0].Value.Ref;

describe('ProtooObservability alarms', () => {
  it('has one Errors, Throttles and Duration alarm per function (the keep-alive sweep too; the authorizer but for Errors), Duration at 80% of its timeout', () => {
    const { template, protoo, id } = synthObserved();
    const functions = distinct([...ROUTE_NAMES.map((r) => protoo.functions[r]), protoo.keepAliveFunction!]);
    expect(functions).toHaveLength(2); // the routes' one function, the sweep
    const authorizer = protoo.authorizerFunction!;
    expect(withMetric(template, 'Errors').map(functionOf).sort()).toEqual(functions.map((fn) => id(fn)).sort());
    for (const metricName of ['Throttles', 'Duration']) {
      expect(withMetric(template, metricName).map(functionOf).sort()).toEqual([...functions, authorizer].map((fn) => id(fn)).sort());
    }
    for (const fn of [...functions, authorizer]) {
      const alarm = withMetric(template, 'Duration').find((a) => (a.Properties.Dimensions as { Value: { Ref: string } }[])[0].Value.Ref === id(fn))!;
      const timeoutMs = fn.timeout!.toMilliseconds();
      expect(timeoutMs).toBeGreaterThan(0);
      expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/Lambda', ExtendedStatistic: 'p99', Threshold: Math.round(timeoutMs * 0.8) });
    }
    for (const alarm of withMetric(template, 'Errors')) expect(alarm.Properties).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching' });
    // The sweep's runs end before the next minute's: the alarm fires at 44 s of its 55.
    const sweepDuration = withMetric(template, 'Duration').find((a) => functionOf(a) === id(protoo.keepAliveFunction!))!;
    expect(sweepDuration.Properties.Threshold).toBe(44_000);
    // The authorizer's: 8 s of its 10.
    expect(withMetric(template, 'Duration').find((a) => functionOf(a) === id(authorizer))!.Properties.Threshold).toBe(8_000);
  });

  it('alarms on the authorizer’s failures, counted from its log lines, not on its Errors metric, where every refused token counts', () => {
    const { template, protoo, id } = synthObserved();
    const filters = (Object.values(template.findResources('AWS::Logs::MetricFilter')) as Resource[]).filter(
      (f) => (f.Properties.LogGroupName as { Ref: string }).Ref === id(protoo.authorizerLogGroup!),
    );
    expect(filters.map((f) => f.Properties.FilterPattern).sort()).toEqual(['?"Task timed out" ?"Runtime exited" ?"Uncaught Exception"', '{ $.level = "error" }']);
    for (const filter of filters) {
      expect(filter.Properties.MetricTransformations).toEqual([{ MetricNamespace: 'ProtooServerless/TestStack', MetricName: 'AuthorizerErrors', MetricValue: '1' }]);
    }
    const [alarm, ...rest] = withMetric(template, 'AuthorizerErrors');
    expect(rest).toHaveLength(0);
    expect(alarm.Properties).toMatchObject({ Namespace: 'ProtooServerless/TestStack', Statistic: 'Sum', Threshold: 1, Period: 300, TreatMissingData: 'notBreaching' });
    expect(alarm.Properties.AlarmDescription).toMatch(/authorizer failed/);
    expect(withMetric(template, 'Errors').map(functionOf)).not.toContain(id(protoo.authorizerFunction!));
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((n) => /Authorizer/.test(n)).map((n) => n.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ObservabilityAuthorizerErrors',
      'ObservabilityLambdaDurationAuthorizer',
      'ObservabilityLambdaThrottlesAuthorizer',
    ]);
  });

  it('has no authorizer alarms or filters without an authorizer (auth none)', () => {
    const { template } = synthObserved({}, { auth: { mode: 'none' } });
    expect(withMetric(template, 'AuthorizerErrors')).toHaveLength(0);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((n) => /Authorizer/.test(n))).toEqual([]);
    expect(Object.values(template.findResources('AWS::Logs::MetricFilter'))).toHaveLength(2); // FailedOutcomes: the routes', the sweep's
  });

  it('alarms when the keep-alive sweep stops being invoked: fewer than one run in 5 minutes, missing data counting as stopped', () => {
    const { template, protoo, id } = synthObserved();
    const [alarm, ...rest] = withMetric(template, 'Invocations');
    expect(rest).toHaveLength(0);
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(protoo.keepAliveFunction!) } }],
    });
  });

  it('has no keep-alive alarms when the endpoint has no sweep', () => {
    const { template } = synthObserved({}, { keepAlive: false });
    expect(withMetric(template, 'Invocations')).toHaveLength(0);
    expect(withMetric(template, 'Errors')).toHaveLength(1);
    expect(alarmsOf(template)).toHaveLength(11); // 3 for the routes' function, 5 for the endpoint, 3 for the authorizer
  });

  it('counts failed invocations (error lines with "outcome":"failed") of every function log group into one alarmed metric', () => {
    const { template, protoo, id } = synthObserved();
    const filters = (Object.values(template.findResources('AWS::Logs::MetricFilter')) as Resource[]).filter((f) =>
      (f.Properties.MetricTransformations as { MetricName: string }[]).some((m) => m.MetricName === 'FailedOutcomes'),
    );
    // One filter per log group: the routes' shared one is not counted thrice.
    expect(filters.map((f) => (f.Properties.LogGroupName as { Ref: string }).Ref).sort()).toEqual([id(protoo.logGroups.message), id(protoo.keepAliveLogGroup!)].sort());
    for (const filter of filters) {
      // Error level only: the warn line "… finished after its deadline" also says outcome "failed", about an
      // invocation already answered and counted, and would count it twice (HandlerErrors, EMF, counts it once).
      expect(filter.Properties.FilterPattern).toBe('{ ($.level = "error") && ($.outcome = "failed") }');
      expect(filter.Properties.MetricTransformations).toEqual([{ MetricNamespace: 'ProtooServerless/TestStack', MetricName: 'FailedOutcomes', MetricValue: '1' }]);
    }
    const [alarm] = withMetric(template, 'FailedOutcomes');
    expect(alarm.Properties).toMatchObject({ Namespace: 'ProtooServerless/TestStack', Statistic: 'Sum', Threshold: 5 });
  });

  it('alarms on the stage’s API Gateway IntegrationError and ExecutionError', () => {
    const { template, protoo, id } = synthObserved();
    for (const metricName of ['IntegrationError', 'ExecutionError']) {
      const [alarm, ...rest] = withMetric(template, metricName);
      expect(rest).toHaveLength(0);
      expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/ApiGateway', Statistic: 'Sum' });
      expect(alarm.Properties.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'ApiId', Value: { Ref: id(protoo.api) } },
          { Name: 'Stage', Value: protoo.stage.stageName },
        ]),
      );
    }
  });

  it('alarms on DynamoDB ThrottledRequests and SystemErrors of every operation the runtime calls', () => {
    const { template, protoo, id } = synthObserved();
    for (const metricName of ['ThrottledRequests', 'SystemErrors']) {
      const [alarm, ...rest] = withMathOver(template, metricName);
      expect(rest).toHaveLength(0);
      const stats = (alarm.Properties.Metrics as { MetricStat?: { Metric: { Dimensions: { Name: string; Value: unknown }[] } } }[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
      const operations = stats.map((m) => m.Dimensions.find((d) => d.Name === 'Operation')?.Value).sort();
      expect(operations).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem']);
      for (const m of stats) expect(m.Dimensions).toContainEqual({ Name: 'TableName', Value: { Ref: id(protoo.table) } });
    }
  });

  it('tunes or disables alarms by name', () => {
    const all = alarmsOf(synthObserved().template).length;
    expect(all).toBe(15); // 3 per function (the routes' and the sweep), 5 for the endpoint, 1 for the sweep's schedule, 3 for the authorizer
    const { template } = synthObserved({ alarms: { lambdaErrors: false, keepAliveStopped: false, integrationErrors: { threshold: 50, evaluationPeriods: 3, datapointsToAlarm: 2 } } });
    expect(alarmsOf(template)).toHaveLength(all - 3);
    expect(withMetric(template, 'Invocations')).toHaveLength(0);
    expect(withMetric(template, 'Errors')).toHaveLength(0);
    expect(withMetric(template, 'IntegrationError')[0].Properties).toMatchObject({ Threshold: 50, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  });

  it('sends alarms and recoveries to the given topics', () => {
    const { template, observability } = synthObserved((stack) => ({ alarmActions: [new sns.Topic(stack, 'Ops')] }));
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    expect(observability.topic).toBeUndefined();
    for (const alarm of alarmsOf(template)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('creates a topic with an email subscription when given alarmEmail', () => {
    const { template, observability, id } = synthObserved({ alarmEmail: 'ops@example.com' });
    expect(observability.topic).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: id(observability.topic!) } });
    for (const alarm of alarmsOf(template)) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: id(observability.topic!) }]);
  });

  it('has no actions by default', () => {
    const { template } = synthObserved();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of alarmsOf(template)) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('watches the one function of the three routes once, as "routes"; with functionPerRoute, each route’s function as before', () => {
    const one = synthObserved();
    const ids = (t: Template) => alarmsOf(t).map((a) => a.Properties.AlarmDescription as string);
    const names = (t: Template) => Object.keys(t.findResources('AWS::CloudWatch::Alarm'));
    expect(names(one.template).filter((n) => n.startsWith('ObservabilityLambda')).map((n) => n.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      [
        ...['Duration', 'Errors', 'Throttles'].flatMap((m) => [`ObservabilityLambda${m}KeepAlive`, `ObservabilityLambda${m}Routes`]),
        'ObservabilityLambdaDurationAuthorizer',
        'ObservabilityLambdaThrottlesAuthorizer',
      ].sort(),
    );
    expect(ids(one.template).filter((d) => d.startsWith('protoo Routes'))).toHaveLength(3);
    const perRoute = synthObserved({}, { functionPerRoute: true });
    expect(alarmsOf(perRoute.template)).toHaveLength(21); // 3 per function (4 with the sweep), 5 for the endpoint, 1 for the schedule, 3 for the authorizer
    expect(Object.values(perRoute.template.findResources('AWS::Logs::MetricFilter'))).toHaveLength(6); // FailedOutcomes of 4 log groups, 2 of the authorizer's
  });
});
