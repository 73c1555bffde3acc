import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { ProtooObservability, type ProtooObservabilityProps } from '../../infra/protoo-observability.js';
import { ProtooWebSocketApi, type ProtooWebSocketApiProps } from '../../infra/protoo-websocket-api.js';
import { logicalId, NO_BUNDLE } from './helpers.js';

export interface ObservedStack {
  readonly stack: Stack;
  readonly protoo: ProtooWebSocketApi;
  readonly observability: ProtooObservability;
  readonly template: Template;
  readonly id: (construct: Parameters<typeof logicalId>[1]) => string;
}

/** GIVEN a stack holding a ProtooWebSocketApi (with these props) watched by a ProtooObservability with these props, WHEN synthesized. */
export function synthObserved(
  props: Partial<ProtooObservabilityProps> | ((stack: Stack) => Partial<ProtooObservabilityProps>) = {},
  endpoint: ProtooWebSocketApiProps = {},
  stackProps: StackProps = {},
): ObservedStack {
  const app = new App();
  const stack = new Stack(app, 'TestStack', stackProps);
  const protoo = new ProtooWebSocketApi(stack, 'Protoo', { code: NO_BUNDLE, ...endpoint });
  const extra = typeof props === 'function' ? props(stack) : props;
  const observability = new ProtooObservability(stack, 'Observability', { ...protoo, ...extra });
  return { stack, protoo, observability, template: Template.fromStack(stack), id: (c) => logicalId(stack, c) };
}
