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
