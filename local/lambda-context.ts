/**
 * Invoking a handler the way the Lambda Node.js runtime does: with a
 * Lambda-like context object, supporting async and callback-style handlers,
 * and with a deadline (API Gateway's integration timeout).
 */
import { lambdaRequestId, logStreamSuffix } from './ids.js';
import type { LambdaHandler, LambdaLikeContext } from './types.js';

export interface FunctionConfig {
  functionName: string;
  region: string;
  accountId: string;
  memoryLimitInMB: number;
}

export function createLambdaContext(
  fn: FunctionConfig,
  deadline: number,
  settle: { resolve(value: unknown): void; reject(error: unknown): void },
): LambdaLikeContext {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${fn.region}:${fn.accountId}:function:${fn.functionName}`,
    memoryLimitInMB: String(fn.memoryLimitInMB),
    awsRequestId: lambdaRequestId(),
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `${day}/[$LATEST]${logStreamSuffix()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error, result) => (error ? settle.reject(error) : settle.resolve(result)),
    fail: (error) => settle.reject(error),
    succeed: (result) => settle.resolve(result),
  };
}

export class InvocationTimeout extends Error {
  constructor(ms: number) {
    super(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`);
    this.name = 'InvocationTimeout';
  }
}

/**
 * Calls `handler(event, context, callback)` and settles with whichever comes
 * first: the returned promise, the callback, context.succeed/fail/done, or
 * the timeout. A synchronous throw rejects, as in Lambda.
 */
export async function invokeHandler<E, R>(
  handler: LambdaHandler<E, R>,
  event: E,
  fn: FunctionConfig,
  timeoutMs: number,
): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<R>((resolve, reject) => {
      let settled = false;
      const settle = {
        resolve: (value: unknown) => {
          if (!settled) {
            settled = true;
            resolve(value as R);
          }
        },
        reject: (error: unknown) => {
          if (!settled) {
            settled = true;
            reject(error);
          }
        },
      };
      timer = setTimeout(() => settle.reject(new InvocationTimeout(timeoutMs)), timeoutMs);
      const context = createLambdaContext(fn, deadline, settle);
      const callback = (error?: unknown, result?: R) => (error ? settle.reject(error) : settle.resolve(result));
      try {
        const out = handler(event, context, callback);
        if (out && typeof (out as Promise<R>).then === 'function') {
          (out as Promise<R>).then(settle.resolve, settle.reject);
        } else if (handler.length < 3) {
          // A non-async handler that takes no callback: its return value is the result.
          settle.resolve(out);
        }
      } catch (error) {
        settle.reject(error);
      }
    });
  } finally {
    clearTimeout(timer);
  }
}
