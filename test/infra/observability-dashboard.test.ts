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
    for (const text of ['"alarm"', 'IntegrationError', 'ExecutionError', 'MessageCount', 'Duration', 'Throttles', 'FailedOutcomes', 'ThrottledRequests', 'SystemErrors', 'filter level like /(?i)^error$/']) {
      expect(body).toContain(text);
    }
    for (const route of ROUTE_NAMES) expect(body).toContain(`\${${id(protoo.functions[route])}}`);
    // The one function is graphed once per widget, labelled "routes".
    expect(body.split(`"AWS/Lambda","Invocations","FunctionName","\${${id(protoo.functions.message)}}"`)).toHaveLength(2);
    expect(body).toContain('"label":"routes"');
    expect(body).toContain(`\${${id(protoo.table)}}`);
  });

  it('graphs the authorizer beside the functions, its failures beside the failed outcomes, and queries its log group for errors', () => {
    const { template, protoo, id } = synthObserved();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = render(dashboard.Properties.DashboardBody);
    const authorizer = `\${${id(protoo.authorizerFunction!)}}`;
    for (const metric of ['Invocations', 'Errors', 'Throttles', 'Duration']) expect(body).toContain(`["AWS/Lambda","${metric}","FunctionName","${authorizer}"`);
    expect(body).toContain('"label":"authorizer"');
    expect(body).toContain('["ProtooServerless/TestStack","AuthorizerErrors",{"label":"AuthorizerErrors","period":60,"stat":"Sum"}]');
    expect(body).toContain(`SOURCE '\${${id(protoo.authorizerLogGroup!)}}'`);
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

  it('saves the errors-by-route, slowest-messages, busiest-rooms and refused-connects queries, each over the log groups it is about', () => {
    const { template, protoo, id } = synthObserved();
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')) as Resource[];
    const byName = Object.fromEntries(queries.map((q) => [String(q.Properties.Name).split('/').pop(), q.Properties]));
    expect(Object.keys(byName).sort()).toEqual(['busiest-rooms', 'errors-by-route', 'refused-connects', 'slowest-messages']);
    for (const q of queries) expect(q.Properties.Name).toMatch(/^protoo\/TestStack\/Observability\//);
    const routes = { Ref: id(protoo.logGroups.message) };
    const sweep = { Ref: id(protoo.keepAliveLogGroup!) };
    const authorizer = { Ref: id(protoo.authorizerLogGroup!) };
    // Errors: everywhere. Messages: the routes' log group only, or the sweep's minute-long runs would top the slowest.
    expect(byName['errors-by-route'].LogGroupNames).toEqual([routes, sweep, authorizer]);
    expect(byName['slowest-messages'].LogGroupNames).toEqual([routes]);
    expect(byName['busiest-rooms'].LogGroupNames).toEqual([routes]);
    expect(byName['refused-connects'].LogGroupNames).toEqual([authorizer]);
    // Error lines only: not the warn line of work that failed after its invocation was answered (and counted).
    expect(byName['errors-by-route'].QueryString).toMatch(/^filter level like \/\(\?i\)\^error\$\/\n\| stats count\(\*\) as errors.* by route, outcome/);
    expect(byName['errors-by-route'].QueryString).not.toMatch(/outcome = "failed"/);
    // The route wrapper's own line per message: not the sweep's, nor a late "… finished after its deadline".
    expect(byName['slowest-messages'].QueryString).toMatch(/filter ispresent\(durationMs\) and message in \["connect", "disconnect", "message"\][\s\S]*sort durationMs desc[\s\S]*limit 50/);
    expect(byName['busiest-rooms'].QueryString).toMatch(/message in \["connect", "disconnect", "message"\][\s\S]*stats count\(\*\) as messages.* by roomId[\s\S]*sort messages desc/);
    expect(byName['refused-connects'].QueryString).toMatch(/filter outcome = "unauthorized"[\s\S]*by reason/);
  });

  it('has no refused-connects query, and queries no authorizer log group, without an authorizer', () => {
    const { template, protoo, id } = synthObserved({}, { auth: { mode: 'none' } });
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')) as Resource[];
    expect(queries.map((q) => String(q.Properties.Name).split('/').pop()).sort()).toEqual(['busiest-rooms', 'errors-by-route', 'slowest-messages']);
    const errors = queries.find((q) => String(q.Properties.Name).endsWith('/errors-by-route'))!;
    expect(errors.Properties.LogGroupNames).toEqual([{ Ref: id(protoo.logGroups.message) }, { Ref: id(protoo.keepAliveLogGroup!) }]);
    expect(Object.keys(template.findOutputs('*'))).not.toContain('AuthorizerLogGroupName');
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

  it('outputs the dashboard URL and every log group name, the authorizer’s included', () => {
    const { template, protoo, observability, id } = synthObserved({ accessLogs: true });
    const outputs = Object.fromEntries(Object.entries(template.findOutputs('*')).map(([name, o]) => [name, render(o.Value)]));
    const conditions = Object.keys(template.toJSON().Conditions);
    const [china, gov] = ['AwsCn', 'AwsUsGov'].map((p) => conditions.find((c) => c.startsWith(`Observability${p}Partition`))!);
    // The console host of the stack's partition, chosen at deploy: the template is environment-agnostic.
    const host = JSON.stringify({
      'Fn::If': [china, 'console.amazonaws.cn', { 'Fn::If': [gov, 'console.amazonaws-us-gov.com', { 'Fn::Join': ['', [{ Ref: 'AWS::Region' }, '.console.aws.amazon.com']] }] }],
    });
    expect(outputs).toEqual({
      DashboardUrl: `https://${host}/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/\${${id(observability.dashboard!)}}`,
      RoutesLogGroupName: `\${${id(protoo.logGroups.message)}}`,
      KeepAliveLogGroupName: `\${${id(protoo.keepAliveLogGroup!)}}`,
      AuthorizerLogGroupName: `\${${id(protoo.authorizerLogGroup!)}}`,
      AccessLogGroupName: `\${${id(observability.accessLogGroup!)}}`,
    });
    expect(template.toJSON().Conditions).toEqual({
      [china]: { 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-cn'] },
      [gov]: { 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-us-gov'] },
    });
  });

  it.each([
    ['eu-west-1', 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#'],
    ['cn-north-1', 'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#'],
    ['us-gov-west-1', 'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#'],
  ])('links the dashboard of a stack pinned to %s to its partition’s console, without conditions', (region, prefix) => {
    const { template } = synthObserved({}, {}, { env: { account: '123456789012', region } });
    expect(render(template.findOutputs('DashboardUrl').DashboardUrl.Value)).toMatch(new RegExp(`^${prefix.replace(/[.?]/g, '\\$&')}dashboards/dashboard/`));
    expect(template.toJSON().Conditions).toBeUndefined();
  });

  it('with functionPerRoute, outputs each route’s log group name and queries all of them', () => {
    const { template, protoo, id } = synthObserved({}, { functionPerRoute: true });
    const outputs = Object.fromEntries(Object.entries(template.findOutputs('*')).map(([name, o]) => [name, render(o.Value)]));
    expect(outputs).toMatchObject({
      ConnectLogGroupName: `\${${id(protoo.logGroups.connect)}}`,
      DisconnectLogGroupName: `\${${id(protoo.logGroups.disconnect)}}`,
      MessageLogGroupName: `\${${id(protoo.logGroups.message)}}`,
    });
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')) as Resource[];
    const over = (name: string) => queries.find((q) => String(q.Properties.Name).endsWith(`/${name}`))!.Properties.LogGroupNames;
    expect(over('errors-by-route')).toHaveLength(5); // the three routes', the sweep's, the authorizer's
    expect(over('slowest-messages')).toEqual(['connect', 'disconnect', 'message'].map((r) => ({ Ref: id(protoo.logGroups[r as 'connect']) })));
  });
});
