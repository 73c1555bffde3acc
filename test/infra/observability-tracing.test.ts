import { describe, expect, it } from 'vitest';

import { ROUTE_NAMES, statementsOfRole } from './helpers.js';
import { synthObserved } from './observability-helpers.js';

describe('ProtooObservability tracing', () => {
  it('turns on X-Ray active tracing for every function (the keep-alive sweep and the authorizer too), lets its role send segments, and tells the runtime', () => {
    const { template, protoo, id } = synthObserved();
    const functions = template.findResources('AWS::Lambda::Function');
    for (const fn of [...ROUTE_NAMES.map((r) => protoo.functions[r]), protoo.keepAliveFunction!, protoo.authorizerFunction!]) {
      expect(functions[id(fn)].Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(functions[id(fn)].Properties.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBe('true');
      const statements = statementsOfRole(template, id(fn.role!));
      expect(statements).toContainEqual(
        expect.objectContaining({ Sid: 'XRayTracing', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }),
      );
    }
  });

  it('can be turned off', () => {
    const { template, protoo, id } = synthObserved({ tracing: false });
    const functions = template.findResources('AWS::Lambda::Function');
    for (const fn of [...ROUTE_NAMES.map((r) => protoo.functions[r]), protoo.authorizerFunction!]) {
      expect(functions[id(fn)].Properties.TracingConfig).toBeUndefined();
      expect(functions[id(fn)].Properties.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBe('false');
      expect(statementsOfRole(template, id(fn.role!)).some((s) => s.Sid === 'XRayTracing')).toBe(false);
    }
  });
});
