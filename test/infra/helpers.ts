import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

import { ProtooWebSocketApi, type ProtooWebSocketApiProps, type RouteName } from '../../infra/protoo-websocket-api.js';

export const ROUTE_NAMES: RouteName[] = ['connect', 'disconnect', 'message'];

/** Each value once: by default `protoo.functions` holds one function under all three route names. */
export function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Inline code: these template tests do not need a real bundle, so they skip esbuild. */
export const NO_BUNDLE = lambda.Code.fromInline('// template test: not bundled');

export interface Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly protoo: ProtooWebSocketApi;
  readonly template: Template;
  /** Logical ID of a construct's CloudFormation resource. */
  readonly id: (construct: IConstruct) => string;
}

/** GIVEN a stack holding one ProtooWebSocketApi with these props, WHEN synthesized. */
export function synth(props: ProtooWebSocketApiProps = {}, stackProps: StackProps = {}, extend?: (stack: Stack) => Partial<ProtooWebSocketApiProps>): Synthesized {
  const app = new App();
  const stack = new Stack(app, 'TestStack', stackProps);
  const protoo = new ProtooWebSocketApi(stack, 'Protoo', { code: NO_BUNDLE, ...props, ...extend?.(stack) });
  const template = Template.fromStack(stack);
  return { app, stack, protoo, template, id: (c) => logicalId(stack, c) };
}

export function logicalId(stack: Stack, construct: IConstruct): string {
  const child = (construct.node.defaultChild ?? construct) as CfnResource;
  return stack.getLogicalId(child);
}

/** Every value at any depth of a JSON-like value. */
export function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (Array.isArray(value)) for (const item of value) yield* walk(item);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) yield* walk(item);
}

export type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The statements of the inline policies attached to a role, by the role's logical ID. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const statements: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    if (roles.includes(roleId)) statements.push(...(policy.Properties.PolicyDocument.Statement as Statement[]));
  }
  return statements;
}

/** A CloudFormation value rendered as text, so tokens compare as strings. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Ref' in v) return `\${${String(v.Ref)}}`;
    if ('Fn::GetAtt' in v) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  return JSON.stringify(value);
}
