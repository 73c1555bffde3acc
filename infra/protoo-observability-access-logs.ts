/**
 * Opt-in API Gateway access logs for the WebSocket stage: one JSON line per
 * connect, message and disconnect, including the ones API Gateway refuses
 * before any function runs (authorizer 401/403, throttling 429), which the
 * functions' own logs never see.
 *
 * Prerequisite: API Gateway writes these with the account-level CloudWatch
 * role (`AWS::ApiGateway::Account` / console Settings), set once per account
 * and region; without it the stage update fails.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** $context variables of WebSocket access logging; names chosen to match the runtime's log fields. */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  connectionId: '$context.connectionId',
  eventType: '$context.eventType',
  route: '$context.routeKey',
  status: '$context.status',
  requestTimeEpoch: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
};

export function enableAccessLogs(
  scope: Construct,
  stage: apigwv2.IWebSocketStage,
  options: { retention: logs.RetentionDays; removalPolicy: RemovalPolicy },
): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, 'AccessLogs', options);
  // The stage belongs to ProtooWebSocketApi; access logs are a property of its CfnStage.
  const cfnStage = stage.node.defaultChild as CfnStage;
  cfnStage.accessLogSettings = { destinationArn: logGroup.logGroupArn, format: JSON.stringify(ACCESS_LOG_FORMAT) };
  return logGroup;
}
