/**
 * X-Ray tracing of the AWS SDK clients through Powertools Tracer: each
 * DynamoDB and Management API call becomes a subsegment of the invocation's
 * trace (the construct turns on active tracing). Off locally and in tests:
 * there is no X-Ray daemon there, and the client is returned untouched.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

let tracer: Tracer | undefined;

/** On Lambda, unless POWERTOOLS_TRACE_ENABLED says otherwise. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && !/^(false|0|no|off)$/i.test(env.POWERTOOLS_TRACE_ENABLED ?? '');
}

/** The client, its calls traced when tracing is on (the same object either way). */
export function traced<T>(client: T, env: NodeJS.ProcessEnv = process.env): T {
  if (!tracingEnabled(env)) return client;
  tracer ??= new Tracer({ serviceName: env.POWERTOOLS_SERVICE_NAME || 'protoo' });
  return tracer.captureAWSv3Client(client);
}
