import { describe, expect, it } from 'vitest';

import { ACCESS_LOG_FORMAT } from '../../infra/protoo-observability-access-logs.js';
import { distinct, render, ROUTE_NAMES } from './helpers.js';
import { synthObserved } from './observability-helpers.js';

type Resource = { Properties: Record<string, unknown> };

describe('ProtooObservability dashboard, queries, access logs and outputs', () => {
  it('builds one dashboard over API Gateway, the functions, DynamoDB, the failed outcomes and the errors query', () => {
    const { template, protoo, id } = synthObserved();
    const [dashboard, ...rest] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    expect(rest).toHaveLength(0);
    const body = render(dashboard.Properties.DashboardBody);
    for (const text of ['"alarm"', 'IntegrationError', 'ExecutionError', 'MessageCount', 'Duration', 'Throttles', 'FailedOutcomes', 'ThrottledRequests', 'SystemErrors', 'outcome = \\"failed\\"']) {
      expect(body).toContain(text);
    }
    for (const route of ROUTE_NAMES) expect(body).toContain(`\${${id(protoo.functions[route])}}`);
    // The one function is graphed once per widget, labelled "routes".
    expect(body.split(`"AWS/Lambda","Invocations","FunctionName","\${${id(protoo.functions.message)}}"`)).toHaveLength(2);
    expect(body).toContain('"label":"routes"');
    expect(body).toContain(`\${${id(protoo.table)}}`);
  });

  it('gives the keep-alive sweep a row: its runs and errors, and its duration against its 55 s timeout', () => {
    const { template, protoo, id } = synthObserved();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = render(dashboard.Properties.DashboardBody);
    const sweeper = `\${${id(protoo.keepAliveFunction!)}}`;
    expect(body).toContain('Keep-alive sweep: runs and errors');
    expect(body).toContain(`["AWS/Lambda","Invocations","FunctionName","${sweeper}"`);
    expect(body).toContain(`["AWS/Lambda","Duration","FunctionName","${sweeper}",{"period":60,"stat":"Maximum"}]`);
    expect(body).toContain('"annotations":{"horizontal":[{"value":55000,"label":"timeout","yAxis":"left"}]}');
    const without = render((Object.values(synthObserved({}, { keepAlive: false }).template.findResources('AWS::CloudWatch::Dashboard'))[0] as Resource).Properties.DashboardBody);
    expect(without).not.toContain('Keep-alive sweep');
    expect(without).not.toContain('"route","sweep"');
  });

  it('graphs the runtime’s own metrics per route, where the functions are told to publish them', () => {
    const { template, protoo, id } = synthObserved({ serviceName: 'svc', metricNamespace: 'NS' });
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = render(dashboard.Properties.DashboardBody);
    for (const metric of ['Messages', 'HandlerErrors', 'RateLimited', 'Posts', 'PostsFailed', 'Gone', 'FanOut', 'Duration']) {
      // The sweep's one line per run carries route "sweep".
      for (const route of ['$connect', '$disconnect', '$default', 'sweep']) expect(body).toContain(`["NS","${metric}","route","${route}","service","svc"`);
    }
    const functions = template.findResources('AWS::Lambda::Function');
    for (const fn of distinct([...ROUTE_NAMES.map((r) => protoo.functions[r]), protoo.keepAliveFunction!])) {
      const env = functions[id(fn)].Properties.Environment.Variables;
      expect(env).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'NS', POWERTOOLS_SERVICE_NAME: 'svc' });
    }
  });

  it('can leave the dashboard out', () => {
    const { template } = synthObserved({ dashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(template.findOutputs('*'))).not.toContain('DashboardUrl');
  });

  it('saves the errors-by-route, slowest-messages and busiest-rooms queries over the function log groups', () => {
    const { template, protoo, id } = synthObserved();
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')) as Resource[];
    const byName = Object.fromEntries(queries.map((q) => [String(q.Properties.Name).split('/').pop(), q.Properties]));
    expect(Object.keys(byName).sort()).toEqual(['busiest-rooms', 'errors-by-route', 'slowest-messages']);
    for (const q of queries) {
      expect(q.Properties.Name).toMatch(/^protoo\/TestStack\/Observability\//);
      expect(q.Properties.LogGroupNames).toEqual([{ Ref: id(protoo.logGroups.message) }, { Ref: id(protoo.keepAliveLogGroup!) }]);
    }
    expect(byName['errors-by-route'].QueryString).toMatch(/filter outcome = "failed"[\s\S]*stats count\(\*\) as errors.* by route/);
    expect(byName['slowest-messages'].QueryString).toMatch(/sort durationMs desc[\s\S]*limit 50/);
    expect(byName['busiest-rooms'].QueryString).toMatch(/stats count\(\*\) as messages.* by roomId[\s\S]*sort messages desc/);
  });

  it('leaves API Gateway access logs off by default (they need the account’s CloudWatch role)', () => {
    const { template } = synthObserved();
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as Resource[];
    expect(stage.Properties.AccessLogSettings).toBeUndefined();
  });

  it('writes access logs as JSON to a log group of their own when asked', () => {
    const { template, observability, id } = synthObserved({ accessLogs: true });
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as Resource[];
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [id(observability.accessLogGroup!), 'Arn'] });
    expect(JSON.parse(settings.Format)).toEqual(ACCESS_LOG_FORMAT);
    expect(JSON.parse(settings.Format)).toMatchObject({ connectionId: '$context.connectionId', route: '$context.routeKey', status: '$context.status' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('outputs the dashboard URL and every log group name', () => {
    const { template, protoo, observability, id } = synthObserved({ accessLogs: true });
    const outputs = Object.fromEntries(Object.entries(template.findOutputs('*')).map(([name, o]) => [name, render(o.Value)]));
    expect(outputs).toEqual({
      DashboardUrl: `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/\${${id(observability.dashboard!)}}`,
      RoutesLogGroupName: `\${${id(protoo.logGroups.message)}}`,
      KeepAliveLogGroupName: `\${${id(protoo.keepAliveLogGroup!)}}`,
      AccessLogGroupName: `\${${id(observability.accessLogGroup!)}}`,
    });
  });

  it('with functionPerRoute, outputs each route’s log group name and queries all of them', () => {
    const { template, protoo, id } = synthObserved({}, { functionPerRoute: true });
    const outputs = Object.fromEntries(Object.entries(template.findOutputs('*')).map(([name, o]) => [name, render(o.Value)]));
    expect(outputs).toMatchObject({
      ConnectLogGroupName: `\${${id(protoo.logGroups.connect)}}`,
      DisconnectLogGroupName: `\${${id(protoo.logGroups.disconnect)}}`,
      MessageLogGroupName: `\${${id(protoo.logGroups.message)}}`,
    });
    const [query] = Object.values(template.findResources('AWS::Logs::QueryDefinition')) as Resource[];
    expect(query.Properties.LogGroupNames).toHaveLength(4);
  });
});
