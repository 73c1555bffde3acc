/**
 * The dashboard: alarm states on top, then the request path in the order a
 * message travels it (API Gateway, the functions, DynamoDB), then the errors
 * query, so the first screen answers "is it broken, and where".
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import { SWEEP_ROUTE } from './protoo-keep-alive.js';
import { SAVED_QUERIES } from './protoo-observability-queries.js';

export interface DashboardInputs {
  /** Each function once, by name (`routes` for the one serving every route; `keepAlive`). */
  readonly functions: Readonly<Record<string, lambda.Function>>;
  /** Every log group the errors query reads: the functions' and the authorizer's. */
  readonly logGroups: readonly logs.ILogGroup[];
  readonly api: apigwv2.IWebSocketApi;
  readonly stage: apigwv2.IWebSocketStage;
  readonly table: dynamodb.ITable;
  /** The keep-alive sweep (also among `functions`): a row of its own. */
  readonly keepAliveFunction?: lambda.Function;
  /** The `$connect` authorizer: graphed beside the functions, and its failures beside the failed outcomes. */
  readonly authorizerFunction?: lambda.Function;
  readonly authorizerErrors?: cloudwatch.Metric;
  readonly failedOutcomes: cloudwatch.IMetric;
  readonly alarms: cloudwatch.IAlarm[];
  readonly operations: dynamodb.Operation[];
  /** Where the runtime's EMF metrics are (lambda/observability/metrics.ts). */
  readonly namespace: string;
  readonly serviceName: string;
}

/** The route dimension the runtime's metrics carry: API Gateway's route keys (and `sweep` for the sweep). */
const ROUTE_KEYS = ['$connect', '$disconnect', '$default'];

const PERIOD = Duration.minutes(1);

export function buildDashboard(scope: Construct, id: string, inputs: DashboardInputs): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, id, { defaultInterval: Duration.hours(3) });
  const api = (metricName: string, statistic = 'Sum') =>
    new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: inputs.api.apiId, Stage: inputs.stage.stageName },
      statistic,
      period: PERIOD,
    });
  // The authorizer too: its errors graph counts refused tokens as well (it throws Unauthorized for the 401).
  const fns = [...Object.entries(inputs.functions), ...(inputs.authorizerFunction ? [['authorizer', inputs.authorizerFunction] as const] : [])];
  const labelled = (route: string, m: cloudwatch.Metric) => m.with({ label: route });

  if (inputs.alarms.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: inputs.alarms, width: 24 }));
  }
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'API Gateway: connects and messages', left: [api('ConnectCount'), api('MessageCount')], width: 8 }),
    new cloudwatch.GraphWidget({
      title: 'API Gateway: errors',
      left: [api('IntegrationError'), api('ExecutionError'), api('ClientError')],
      width: 8,
    }),
    new cloudwatch.GraphWidget({ title: 'API Gateway: integration latency', left: [api('IntegrationLatency', 'p50'), api('IntegrationLatency', 'p99')], width: 8 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Lambda: invocations',
      left: fns.map(([route, fn]) => labelled(route, fn.metricInvocations({ period: PERIOD }))),
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda: errors and throttles',
      left: [
        ...fns.map(([route, fn]) => labelled(`${route} errors`, fn.metricErrors({ period: PERIOD }))),
        ...fns.map(([route, fn]) => labelled(`${route} throttles`, fn.metricThrottles({ period: PERIOD }))),
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda: duration p99',
      left: fns.map(([route, fn]) => labelled(route, fn.metricDuration({ period: PERIOD, statistic: 'p99' }))),
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: inputs.authorizerErrors ? 'Runtime: failed outcomes; authorizer failures' : 'Runtime: failed outcomes',
      left: [inputs.failedOutcomes, ...(inputs.authorizerErrors ? [inputs.authorizerErrors.with({ period: PERIOD, label: 'AuthorizerErrors' })] : [])],
      width: 6,
    }),
  );
  dashboard.addWidgets(
    // One graph each: both sums name their per-operation metrics alike, which one graph cannot hold.
    new cloudwatch.GraphWidget({
      title: 'DynamoDB: throttled requests',
      left: [inputs.table.metricThrottledRequestsForOperations({ operations: inputs.operations, period: PERIOD })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'DynamoDB: system errors',
      left: [inputs.table.metricSystemErrorsForOperations({ operations: inputs.operations, period: PERIOD })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'DynamoDB: consumed capacity',
      left: [inputs.table.metricConsumedReadCapacityUnits({ period: PERIOD }), inputs.table.metricConsumedWriteCapacityUnits({ period: PERIOD })],
      width: 8,
    }),
  );
  // The runtime's own metrics, per route (Powertools Metrics, EMF): the only
  // per-route view when one function serves every route.
  const routeKeys = inputs.keepAliveFunction ? [...ROUTE_KEYS, SWEEP_ROUTE] : ROUTE_KEYS;
  const runtime = (metricName: string, statistic = 'Sum') =>
    routeKeys.map(
      (route) =>
        new cloudwatch.Metric({
          namespace: inputs.namespace,
          metricName,
          dimensionsMap: { service: inputs.serviceName, route },
          statistic,
          period: PERIOD,
          label: `${route} ${metricName}`,
        }),
    );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Runtime: messages', left: runtime('Messages'), width: 6 }),
    new cloudwatch.GraphWidget({ title: 'Runtime: handler errors and rate-limited', left: [...runtime('HandlerErrors'), ...runtime('RateLimited')], width: 6 }),
    new cloudwatch.GraphWidget({ title: 'Runtime: posts, failed, Gone', left: [...runtime('Posts'), ...runtime('PostsFailed'), ...runtime('Gone')], width: 6 }),
    new cloudwatch.GraphWidget({ title: 'Runtime: fan-out (max) and duration (p99)', left: runtime('FanOut', 'Maximum'), right: runtime('Duration', 'p99'), width: 6 }),
  );
  if (inputs.keepAliveFunction) dashboard.addWidgets(...keepAliveWidgets(inputs.keepAliveFunction));
  dashboard.addWidgets(
    new cloudwatch.LogQueryWidget({
      title: 'Errors by route',
      logGroupNames: inputs.logGroups.map((g) => g.logGroupName),
      queryString: SAVED_QUERIES['errors-by-route'].toString(),
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      width: 24,
    }),
  );
  return dashboard;
}

/** The sweep runs every minute: did it run, how close to its timeout, and what it found. */
function keepAliveWidgets(sweeper: lambda.Function): cloudwatch.IWidget[] {
  const timeoutMs = (sweeper.timeout ?? Duration.seconds(3)).toMilliseconds();
  return [
    new cloudwatch.GraphWidget({
      title: 'Keep-alive sweep: runs and errors (one run a minute)',
      left: [sweeper.metricInvocations({ period: PERIOD }), sweeper.metricErrors({ period: PERIOD })],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Keep-alive sweep: duration against its timeout',
      left: [sweeper.metricDuration({ period: PERIOD, statistic: 'Maximum' })],
      leftAnnotations: [{ value: timeoutMs, label: 'timeout' }],
      width: 12,
    }),
  ];
}
