/**
 * ProtooObservability: what an operator needs to see a protoo endpoint on
 * AWS, on by default. Alarms (Lambda, the runtime's failed outcomes, API
 * Gateway, DynamoDB, the keep-alive sweep, the `$connect` authorizer) with
 * optional SNS actions, a dashboard, saved Logs Insights queries, opt-in API
 * Gateway access logs, and outputs.
 *
 *   const protoo = new ProtooWebSocketApi(this, 'Protoo');
 *   new ProtooObservability(this, 'Observability', { ...protoo, alarmEmail: 'ops@example.com' });
 */
import { Aws, CfnCondition, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

import { alarmProps, DEFAULT_ALARMS, DURATION_TIMEOUT_RATIO, tuningFor, type AlarmName, type AlarmSettings } from './protoo-observability-alarms.js';
import { enableAccessLogs } from './protoo-observability-access-logs.js';
import { buildDashboard } from './protoo-observability-dashboard.js';
import { distinctByIdentity } from './protoo-observability-functions.js';
import { SAVED_QUERIES, SAVED_QUERY_LOG_GROUPS } from './protoo-observability-queries.js';
import { validateObservabilityProps } from './validate-observability.js';

/** The DynamoDB operations the runtime calls (see DYNAMODB_ACTIONS): the ones whose throttles and errors count. */
export const TABLE_OPERATIONS = [
  'GetItem',
  'PutItem',
  'DeleteItem',
  'Query',
  'UpdateItem',
] as const;

/**
 * Metric the log filters publish for every failed invocation: its error-level
 * line with `"outcome":"failed"`, the same line the runtime's HandlerErrors
 * (EMF) counts. Not the warn line "… finished after its deadline", which
 * reports, with outcome "failed", work that failed after the invocation had
 * already answered (and been counted).
 */
export const FAILED_OUTCOMES_METRIC = 'FailedOutcomes';
export const FAILED_OUTCOMES_PATTERN = logs.FilterPattern.all(
  logs.FilterPattern.stringValue('$.level', '=', 'error'),
  logs.FilterPattern.stringValue('$.outcome', '=', 'failed'),
);

/**
 * Metric of the authorizer's failures (alarm authorizerErrors): its error
 * lines ("authorizer failed": the join-token secret unreadable, a bug), and
 * the Lambda platform's lines for a timeout, a crash (out of memory) or a
 * failed start. Not its Errors metric, where every refused token counts.
 */
export const AUTHORIZER_ERRORS_METRIC = 'AuthorizerErrors';
export const AUTHORIZER_ERROR_PATTERNS = {
  ErrorLines: logs.FilterPattern.stringValue('$.level', '=', 'error'),
  PlatformErrors: logs.FilterPattern.anyTerm('Task timed out', 'Runtime exited', 'Uncaught Exception'),
} as const;

/** The name the authorizer goes by (alarm ids, outputs, dashboard labels). */
export const AUTHORIZER_NAME = 'authorizer';

/** Console hosts by partition; the output falls back to the commercial one elsewhere. */
export const CONSOLE_HOSTS = { aws: 'console.aws.amazon.com', 'aws-cn': 'console.amazonaws.cn', 'aws-us-gov': 'console.amazonaws-us-gov.com' } as const;

/** Everything but what it watches: what a stack passes through. */
export type ProtooObservabilityOptions = Omit<
  ProtooObservabilityProps,
  'functions' | 'logGroups' | 'api' | 'stage' | 'table' | 'keepAliveFunction' | 'keepAliveLogGroup' | 'authorizerFunction' | 'authorizerLogGroup'
>;

/** The name the keep-alive sweep goes by among the functions (alarm ids, outputs, dashboard labels). */
export const KEEP_ALIVE_NAME = 'keepAlive';

export interface ProtooObservabilityProps {
  /**
   * The ProtooWebSocketApi's functions, by route. One function serving
   * several routes (the default) is watched once, as `routes`.
   */
  readonly functions: Readonly<Record<string, lambda.Function>>;
  /** Their log groups, by the same route names (one shared log group is watched once, as `routes`). */
  readonly logGroups: Readonly<Record<string, logs.ILogGroup>>;
  readonly api: apigwv2.IWebSocketApi;
  readonly stage: apigwv2.IWebSocketStage;
  readonly table: dynamodb.ITable;
  /**
   * The ProtooWebSocketApi's keep-alive sweep and its log group, when it has
   * one: watched like the route functions (errors, throttles, duration near
   * its 55 s timeout, failed runs), plus an alarm when it stops being invoked.
   */
  readonly keepAliveFunction?: lambda.Function;
  readonly keepAliveLogGroup?: logs.ILogGroup;
  /** Tune or disable (`false`) any alarm by name. @default all on, thresholds of DEFAULT_ALARMS */
  readonly alarms?: AlarmSettings;
  /** Where alarms (and their recovery) are sent. @default none */
  readonly alarmActions?: sns.ITopic[];
  /** Create an SNS topic with this email subscribed, and send alarms to it. @default no topic */
  readonly alarmEmail?: string;
  /** Namespace of the failed-outcome metric and of the runtime's own (EMF) metrics. @default `ProtooServerless/{stack name}` */
  readonly metricNamespace?: string;
  /** The `service` dimension of the runtime's metrics (and field of its logs). @default the stack name */
  readonly serviceName?: string;
  /** X-Ray active tracing of the functions; the runtime traces its SDK calls (lambda/observability/tracing.ts). @default true */
  readonly tracing?: boolean;
  /**
   * The `$connect` authorizer the endpoint deployed, when it has one, and its
   * log group: traced like the route functions, alarmed (throttles, duration
   * near its timeout, and its failures: authorizerErrors), graphed, queried
   * (errors-by-route, refused-connects) and output.
   */
  readonly authorizerFunction?: lambda.Function;
  readonly authorizerLogGroup?: logs.ILogGroup;
  /** @default true */
  readonly dashboard?: boolean;
  /** @default true */
  readonly savedQueries?: boolean;
  /**
   * API Gateway access logs to a log group of their own. Needs the account's
   * API Gateway CloudWatch role (set once per account and region), or the
   * stage deploy fails. @default false
   */
  readonly accessLogs?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** CfnOutputs for the dashboard URL and the log group names. @default true */
  readonly outputs?: boolean;
  /** Prefix of the outputs' names (DashboardUrl, RoutesLogGroupName, ...), for a second instance in one stack. @default '' */
  readonly outputPrefix?: string;
}

export class ProtooObservability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic?: sns.Topic;
  readonly dashboard?: cloudwatch.Dashboard;
  readonly queries: logs.QueryDefinition[] = [];
  readonly accessLogGroup?: logs.LogGroup;
  readonly failedOutcomes: cloudwatch.Metric;
  /** The authorizer's failures, when given its log group (AUTHORIZER_ERRORS_METRIC). */
  readonly authorizerErrors?: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: ProtooObservabilityProps) {
    super(scope, id);
    validateObservabilityProps(props);
    const stack = Stack.of(this);
    const namespace = props.metricNamespace ?? `ProtooServerless/${stack.stackName}`;
    const serviceName = props.serviceName ?? stack.stackName;
    // Each function once, whatever routes it serves; the sweep is one more,
    // watched, traced and queried like the routes'.
    const functions = withKeepAlive(distinctByIdentity(props.functions), props.keepAliveFunction);
    const logGroups = withKeepAlive(distinctByIdentity(props.logGroups), props.keepAliveLogGroup);
    // Where Powertools Metrics publishes, so the dashboard finds the runtime's metrics.
    const tracing = props.tracing ?? true;
    for (const fn of Object.values(functions)) {
      fn.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', namespace);
      fn.addEnvironment('POWERTOOLS_SERVICE_NAME', serviceName);
      // Without active tracing there is no trace to add SDK subsegments to.
      fn.addEnvironment('POWERTOOLS_TRACE_ENABLED', String(tracing));
      if (tracing) enableActiveTracing(fn);
    }
    const authorizer = props.authorizerFunction;
    if (authorizer) {
      // The authorizer's Secrets Manager client is traced by the same switch (lambda/authorizer-entry.ts).
      authorizer.addEnvironment('POWERTOOLS_SERVICE_NAME', serviceName);
      authorizer.addEnvironment('POWERTOOLS_TRACE_ENABLED', String(tracing));
      if (tracing) enableActiveTracing(authorizer);
    }

    const topics = [...(props.alarmActions ?? [])];
    if (props.alarmEmail) {
      this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'protoo-serverless alarms', enforceSSL: true });
      const subscription = this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'Alarm email: SNS retries email deliveries itself, and a dead-letter queue of undelivered alarm emails would need an alarm of its own, sent to this same topic; the alarm states stay on the dashboard and in CloudWatch',
      });
      topics.push(this.topic);
    }

    // The wrapper answers every exception itself, so failures are only log lines: count them.
    for (const [route, logGroup] of Object.entries(logGroups)) {
      logGroup.addMetricFilter(`FailedOutcomes${pascal(route)}`, {
        filterPattern: FAILED_OUTCOMES_PATTERN,
        metricNamespace: namespace,
        metricName: FAILED_OUTCOMES_METRIC,
        metricValue: '1',
      });
    }
    this.failedOutcomes = new cloudwatch.Metric({ namespace, metricName: FAILED_OUTCOMES_METRIC, statistic: 'Sum' });
    const authorizerLogGroup = props.authorizerLogGroup;
    if (authorizerLogGroup) {
      for (const [name, filterPattern] of Object.entries(AUTHORIZER_ERROR_PATTERNS)) {
        authorizerLogGroup.addMetricFilter(`AuthorizerErrors${name}`, { filterPattern, metricNamespace: namespace, metricName: AUTHORIZER_ERRORS_METRIC, metricValue: '1' });
      }
      this.authorizerErrors = new cloudwatch.Metric({ namespace, metricName: AUTHORIZER_ERRORS_METRIC, statistic: 'Sum' });
    }

    const alarm = (name: AlarmName, suffix: string, metricFor: (period: Duration) => cloudwatch.IMetric, threshold?: number) => {
      const tuning = tuningFor(props.alarms, name);
      if (!tuning) return;
      const defaults = DEFAULT_ALARMS[name];
      const metric = metricFor(tuning.period ?? Duration.minutes(5));
      const created = new cloudwatch.Alarm(
        this,
        `${pascal(name)}${suffix}`,
        alarmProps(metric, tuning, threshold ?? defaults.threshold ?? 1, `protoo ${suffix || 'endpoint'}: ${defaults.description}`, defaults.whenBelow),
      );
      for (const topic of topics) {
        created.addAlarmAction(new actions.SnsAction(topic));
        created.addOkAction(new actions.SnsAction(topic));
      }
      this.alarms.push(created);
    };

    for (const [route, fn] of Object.entries(functions)) {
      const Route = pascal(route);
      alarm('lambdaErrors', Route, (period) => fn.metricErrors({ period, statistic: 'Sum' }));
      alarm('lambdaThrottles', Route, (period) => fn.metricThrottles({ period, statistic: 'Sum' }));
      const timeout = (fn.timeout ?? Duration.seconds(3)).toMilliseconds();
      alarm('lambdaDuration', Route, (period) => fn.metricDuration({ period, statistic: 'p99' }), Math.round(timeout * DURATION_TIMEOUT_RATIO));
    }
    alarm('failedOutcomes', '', (period) => this.failedOutcomes.with({ period }));
    if (authorizer) {
      const Name = pascal(AUTHORIZER_NAME);
      alarm('lambdaThrottles', Name, (period) => authorizer.metricThrottles({ period, statistic: 'Sum' }));
      const timeout = (authorizer.timeout ?? Duration.seconds(3)).toMilliseconds();
      alarm('lambdaDuration', Name, (period) => authorizer.metricDuration({ period, statistic: 'p99' }), Math.round(timeout * DURATION_TIMEOUT_RATIO));
    }
    const authorizerErrors = this.authorizerErrors;
    if (authorizerErrors) alarm('authorizerErrors', '', (period) => authorizerErrors.with({ period }));
    const sweeper = props.keepAliveFunction;
    if (sweeper) alarm('keepAliveStopped', '', (period) => sweeper.metricInvocations({ period, statistic: 'Sum' }));

    const apiMetric = (metricName: string) => (period: Duration) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.api.apiId, Stage: props.stage.stageName },
        statistic: 'Sum',
        period,
      });
    alarm('integrationErrors', '', apiMetric('IntegrationError'));
    alarm('executionErrors', '', apiMetric('ExecutionError'));
    const operations = [...TABLE_OPERATIONS] as dynamodb.Operation[];
    alarm('dynamoThrottles', '', (period) => props.table.metricThrottledRequestsForOperations({ operations, period }));
    alarm('dynamoSystemErrors', '', (period) => props.table.metricSystemErrorsForOperations({ operations, period }));

    // The route functions' log groups (not the sweep's), and every log group with the authorizer's.
    const routeLogGroups = Object.values(distinctByIdentity(props.logGroups));
    const allLogGroups = [...Object.values(logGroups), ...(authorizerLogGroup ? [authorizerLogGroup] : [])];
    if (props.savedQueries ?? true) {
      const over = { all: allLogGroups, routes: routeLogGroups, authorizer: authorizerLogGroup ? [authorizerLogGroup] : [] };
      // The construct path (stack name first) keeps two stacks' queries apart in the console's list.
      const prefix = `protoo/${this.node.path}`;
      for (const [name, queryString] of Object.entries(SAVED_QUERIES) as [keyof typeof SAVED_QUERIES, logs.QueryString][]) {
        const queried = over[SAVED_QUERY_LOG_GROUPS[name]];
        if (queried.length === 0) continue;
        this.queries.push(
          new logs.QueryDefinition(this, `Query${pascal(name)}`, {
            queryDefinitionName: `${prefix}/${name}`,
            queryString,
            logGroups: queried,
          }),
        );
      }
    }

    if (props.accessLogs) {
      this.accessLogGroup = enableAccessLogs(this, props.stage, {
        retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    }

    if (props.dashboard ?? true) {
      this.dashboard = buildDashboard(this, 'Dashboard', {
        ...props,
        functions,
        logGroups: allLogGroups,
        authorizerFunction: authorizer,
        authorizerErrors: this.authorizerErrors,
        failedOutcomes: this.failedOutcomes,
        alarms: this.alarms,
        operations,
        namespace,
        serviceName,
      });
    }

    if (props.outputs ?? true) {
      // Plain names, as `cdk deploy` prints them, instead of path-hashed ones.
      const output = (name: string, description: string, value: string) =>
        new CfnOutput(this, name, { description, value }).overrideLogicalId(`${props.outputPrefix ?? ''}${name}`);
      if (this.dashboard) {
        output(
          'DashboardUrl',
          'CloudWatch dashboard of the protoo endpoint',
          `https://${this.consoleHost(stack)}/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${this.dashboard.dashboardName}`,
        );
      }
      for (const [route, logGroup] of Object.entries(logGroups)) {
        output(`${pascal(route)}LogGroupName`, `log group of the ${route} function`, logGroup.logGroupName);
      }
      if (authorizerLogGroup) output(`${pascal(AUTHORIZER_NAME)}LogGroupName`, 'log group of the $connect authorizer', authorizerLogGroup.logGroupName);
      if (this.accessLogGroup) output('AccessLogGroupName', 'API Gateway access logs', this.accessLogGroup.logGroupName);
    }
  }

  /**
   * The CloudWatch console's host in the stack's partition. A literal when the
   * region, so the partition, is known at synth (a pinned stack); otherwise chosen
   * at deploy by two conditions, so an environment-agnostic template links to
   * the right console in China and GovCloud too. Other partitions get the
   * commercial host (docs/deploy.md).
   */
  private consoleHost(stack: Stack): string {
    const commercial = `${stack.region}.${CONSOLE_HOSTS.aws}`;
    const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
    if (partition !== undefined) {
      return partition === 'aws' ? commercial : (CONSOLE_HOSTS[partition as keyof typeof CONSOLE_HOSTS] ?? commercial);
    }
    const inPartition = (partition: 'aws-cn' | 'aws-us-gov') =>
      new CfnCondition(this, `${pascal(partition)}Partition`, { expression: Fn.conditionEquals(Aws.PARTITION, partition) }).logicalId;
    return Fn.conditionIf(
      inPartition('aws-cn'),
      CONSOLE_HOSTS['aws-cn'],
      Fn.conditionIf(inPartition('aws-us-gov'), CONSOLE_HOSTS['aws-us-gov'], commercial),
    ).toString();
  }
}

function withKeepAlive<T>(byRoute: Readonly<Record<string, T>>, keepAlive: T | undefined): Readonly<Record<string, T>> {
  return keepAlive ? { ...byRoute, [KEEP_ALIVE_NAME]: keepAlive } : byRoute;
}

function enableActiveTracing(fn: lambda.Function): void {
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'XRayTracing',
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      // X-Ray has no resource-level permissions for these actions.
      resources: ['*'],
    }),
  );
  Validations.of(fn.role!).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'xray:PutTraceSegments and PutTelemetryRecords support no resource-level permissions: "*" is the only resource they accept',
  });
}

function pascal(name: string): string {
  return name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());
}
