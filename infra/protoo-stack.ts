/**
 * The stack `cdk deploy` deploys: one ProtooWebSocketApi and its outputs.
 * All the resources live in the construct so that another CDK app can use it
 * without this stack.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

import { AUTH_MODE_SUMMARY, type AuthMode } from './protoo-auth.js';
import { ProtooObservability, type ProtooObservabilityOptions } from './protoo-observability.js';
import { ProtooWebSocketApi, type ProtooWebSocketApiProps } from './protoo-websocket-api.js';

/** What a client appends to the WebSocketUrl output, in each auth mode. */
export const WEBSOCKET_URL_DESCRIPTION: Record<AuthMode | 'custom', string> = {
  token: 'protoo-client URL: append ?roomId=<room>&peerId=<peer>&token=<join token> (npm run token prints a ready URL)',
  jwks: 'protoo-client URL: append ?roomId=<room>&token=<JWT from your identity provider> (the peerId is a claim of the token)',
  none: 'protoo-client URL: append ?roomId=<room>&peerId=<peer> (anonymous)',
  custom: 'protoo-client URL: append ?roomId=<room>&peerId=<peer> and what your $connect authorizer reads (e.g. &token=…)',
};

export interface ProtooStackProps extends StackProps {
  readonly protoo?: ProtooWebSocketApiProps;
  /**
   * Props that need the stack as their scope (an imported certificate or
   * authorizer function), merged over `protoo`.
   */
  readonly imports?: (scope: Construct) => Partial<ProtooWebSocketApiProps>;
  /** Alarms, dashboard, saved queries, tracing: on unless `false`. */
  readonly observability?: ProtooObservabilityOptions | false;
}

export class ProtooStack extends Stack {
  readonly protoo: ProtooWebSocketApi;

  constructor(scope: Construct, id: string, props: ProtooStackProps = {}) {
    super(scope, id, props);

    const imported = props.imports?.(this) ?? {};
    this.protoo = new ProtooWebSocketApi(this, 'Protoo', { ...props.protoo, ...definedOnly(imported) });
    if (props.observability !== false) {
      new ProtooObservability(this, 'Observability', { ...this.protoo, removalPolicy: props.protoo?.removalPolicy, ...props.observability });
    }

    new CfnOutput(this, 'WebSocketUrl', {
      description: WEBSOCKET_URL_DESCRIPTION[this.protoo.authMode],
      value: this.protoo.url,
    });
    // Says plainly, at every deploy, who can connect.
    new CfnOutput(this, 'AuthMode', {
      description: 'Who may connect to this endpoint (-c auth=token|jwks|none)',
      value: AUTH_MODE_SUMMARY[this.protoo.authMode],
    });
    if (this.protoo.joinTokenSecret) {
      new CfnOutput(this, 'JoinTokenSecretArn', {
        description: 'Secrets Manager secret that signs join tokens (its ARN, not its value)',
        value: this.protoo.joinTokenSecret.secretArn,
      });
    }
    new CfnOutput(this, 'CallbackUrl', {
      description: 'API Gateway Management API endpoint (@connections)',
      value: this.protoo.callbackUrl,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding rooms, peers and pending requests',
      value: this.protoo.table.tableName,
    });
    if (this.protoo.domainName) {
      new CfnOutput(this, 'DomainTarget', {
        description: 'Point a CNAME (or alias) for the custom domain at this name',
        value: this.protoo.domainName.regionalDomainName,
      });
    }
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
