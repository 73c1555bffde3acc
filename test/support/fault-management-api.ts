/**
 * A loopback Management API (`@connections`) that fails as told for chosen
 * connections, in front of the local stack's own, which it forwards to
 * otherwise. The runtime is pointed at it with MANAGEMENT_API_ENDPOINT
 * (lambda/config.ts) in the stack's `env`; the stack's port is known only
 * once it runs, so `target` is set after startLocalStack. The same handlers
 * then see API Gateway throttle, fail or hang for one client, as on AWS.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** 429 LimitExceededException, 500 InternalServerErrorException, or accept and never answer. */
export type ManagementFault = 'http-429' | 'http-500' | 'silent';

export interface FaultyManagementApi {
  /** What MANAGEMENT_API_ENDPOINT is set to: this proxy, with the stack's stage path. */
  endpoint: string;
  /** The stack's own Management API endpoint (`stack.managementEndpoint`); set once the stack runs. */
  target?: string;
  /** How calls to each connection id fail; an id not in it is forwarded. */
  faults: Map<string, ManagementFault>;
  /** Faulted calls per connection id (each SDK attempt counts). */
  attempts: Map<string, number>;
  /** Resolves once `connectionId` has had `count` faulted calls. */
  attempted(connectionId: string, count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function apiError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-ErrorType': type });
  res.end(body);
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** `/{stage}/@connections/{id}` → id (the SDK percent-encodes the `@`). */
function connectionIdOf(url: string | undefined): string {
  return decodeURIComponent(new URL(url ?? '/', 'http://proxy').pathname.split('/').pop() ?? '');
}

export async function startFaultyManagementApi(stage = 'local'): Promise<FaultyManagementApi> {
  const held = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  const state = { faults: new Map(), attempts: new Map() } as FaultyManagementApi;
  const server = createServer((req, res) => {
    const connectionId = connectionIdOf(req.url);
    const fault = state.faults.get(connectionId);
    if (!fault) {
      if (!state.target) return apiError(res, 503, 'ServiceUnavailableException', 'the proxy has no target yet');
      return forward(new URL(state.target), req, res);
    }
    state.attempts.set(connectionId, (state.attempts.get(connectionId) ?? 0) + 1);
    for (const wake of [...waiters]) wake();
    req.resume();
    switch (fault) {
      case 'http-429':
        return apiError(res, 429, 'LimitExceededException', 'Limit Exceeded');
      case 'http-500':
        return apiError(res, 500, 'InternalServerErrorException', 'Internal server error');
      case 'silent':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${stage}`;
  state.attempted = (connectionId, count, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if ((state.attempts.get(connectionId) ?? 0) < count) return false;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${connectionId}: ${state.attempts.get(connectionId) ?? 0} faulted calls, not ${count}, within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  state.close = async () => {
    held.forEach((res) => res.destroy());
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return state;
}
