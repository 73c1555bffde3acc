/**
 * X-Ray tracing of the AWS SDK clients through Powertools Tracer: each
 * DynamoDB and Management API call becomes a subsegment of the invocation's
 * trace (the construct turns on active tracing). Off locally and in tests:
 * there is no X-Ray daemon there, and the client is returned untouched.
 *
 * The Tracer is imported only when tracing is on. Loading it loads the X-Ray
 * SDK, whose context tracking (cls-hooked) installs an async hook with a
 * destroy callback for the whole process: every promise then costs about
 * ten times as much (2 M awaits: 0.18 s of CPU without it, 2 s with it), a
 * price a function without tracing should not pay. Lambda's environment is
 * fixed for a container's life, so deciding once, at load, is enough.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';

/** On Lambda, unless POWERTOOLS_TRACE_ENABLED says otherwise. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && !/^(false|0|no|off)$/i.test(env.POWERTOOLS_TRACE_ENABLED ?? '');
}

const powertools = tracingEnabled() ? await import('@aws-lambda-powertools/tracer') : undefined;
let tracer: Tracer | undefined;

/** The client, its calls traced when tracing is on (the same object either way). */
export function traced<T>(client: T, env: NodeJS.ProcessEnv = process.env): T {
  if (!powertools || !tracingEnabled(env)) return client;
  tracer ??= new powertools.Tracer({ serviceName: env.POWERTOOLS_SERVICE_NAME || 'protoo' });
  return tracer.captureAWSv3Client(client);
}
