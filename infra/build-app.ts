import { Tags, type App } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';

import { configFromContext, type ContextKey } from './config.js';
import { ProtooStack } from './protoo-stack.js';
import type { ProtooWebSocketApiProps } from './protoo-websocket-api.js';

/**
 * Adds the ProtooStack that the context describes to app. `overrides` lets
 * tests skip bundling (e.g. `{ code: lambda.Code.fromInline('') }`).
 */
export function buildApp(app: App, overrides: Partial<ProtooWebSocketApiProps> = {}): ProtooStack {
  const config = configFromContext((key: ContextKey) => app.node.tryGetContext(key));

  // A stack has to exist before anything can be imported into it, so the
  // imported certificate and authorizer are added through a factory.
  const stack = new ProtooStack(app, config.stackName, {
    description: `protoo signaling endpoint (protoo-serverless), stage ${config.stage}`,
    // Environment-agnostic unless the user names an account/region. Not
    // CDK_DEFAULT_*: without credentials the CLI still sets the region to
    // us-east-1, which would pin every ARN and URL of the template to it.
    env: config.env,
    terminationProtection: config.terminationProtection,
    observability: config.observability,
    protoo: { ...config.protoo, ...overrides },
    imports: (scope) => ({
      customDomain: config.customDomain && {
        domainName: config.customDomain.domainName,
        mappingKey: config.customDomain.mappingKey,
        certificate: acm.Certificate.fromCertificateArn(scope, 'Certificate', config.customDomain.certificateArn),
      },
      authorizer: config.authorizer && {
        handler: lambda.Function.fromFunctionAttributes(scope, 'AuthorizerFunction', {
          functionArn: config.authorizer.functionArn,
          // Lets CDK add the permission for API Gateway to invoke it.
          sameEnvironment: true,
        }),
        identitySource: config.authorizer.identitySource,
      },
    }),
  });
  // Every taggable resource: cost allocation and ownership per stage.
  Tags.of(stack).add('project', 'protoo-serverless');
  Tags.of(stack).add('stage', config.stage);
  return stack;
}
