/**
 * The AWS SDK v3 clients with what this runtime does not use taken out of
 * every call. Measured in `npm run bench` (bench/sdk-cost.ts): these cut a
 * PostToConnection's CPU by about a third.
 *
 * - The user-agent middleware builds and escapes two long headers per call
 *   (SDK usage statistics only); the logger middleware logs to no logger.
 * - `staticEndpoint`: a client that always calls one fixed endpoint (the
 *   Management API of one stage) need not run the endpoint rule set each
 *   call — it would resolve to that same URL.
 *
 * Kept: serialization, content length, host header, recursion detection
 * (the trace header on Lambda), bounded retries and SigV4 signing.
 */
const UNUSED_MIDDLEWARE = ['getUserAgentMiddleware', 'loggerMiddleware'];

interface MiddlewareOwner {
  middlewareStack: { remove(name: string): boolean };
}

export function withoutUnusedMiddleware<T extends MiddlewareOwner>(client: T): T {
  for (const name of UNUSED_MIDDLEWARE) client.middlewareStack.remove(name);
  return client;
}

/** An endpoint provider that answers `url` without evaluating rules. */
export function staticEndpoint(url: string): () => { url: URL } {
  const endpoint = { url: new URL(url) };
  return () => endpoint;
}

/**
 * NodeHttpHandler options (a plain object: the SDK builds the handler) that
 * bound one attempt: `timeoutMs` to connect and then of silence while
 * waiting for the answer, twice that for the whole attempt including the
 * wait for a free socket. With `maxSockets`, a keep-alive agent of that size.
 */
export function boundedRequestHandler(timeoutMs: number, maxSockets?: number) {
  const agent = maxSockets === undefined ? {} : { httpAgent: { keepAlive: true, maxSockets }, httpsAgent: { keepAlive: true, maxSockets } };
  return { connectionTimeout: timeoutMs, socketTimeout: timeoutMs, requestTimeout: 2 * timeoutMs, throwOnRequestTimeout: true, ...agent };
}
