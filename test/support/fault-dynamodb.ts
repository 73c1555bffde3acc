/**
 * A loopback DynamoDB endpoint that fails as told, in front of a real
 * engine (dynalite) it forwards to while healthy: the same handlers see a
 * brown-out, then recover, as they would on AWS.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** pass: forward; silent: accept and never answer; the rest: DynamoDB's own error answers. */
export type DynamoFault = 'pass' | 'silent' | 'throttling' | 'provisioned-throughput' | 'http-500';

export interface FaultyDynamo {
  endpoint: string;
  fault: DynamoFault;
  /** Requests that met a fault (forwarded ones are not counted). */
  faulted: number;
  /** Resolves once `faulted` reaches `count` (e.g. the SDK's last attempt of a call met the fault). */
  faultedReaches(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Resets the connections a `silent` fault still holds, as an endpoint that
   * recovers drops what it had stalled: the SDK retries those attempts at
   * once (against whatever `fault` now says), so work the deadline gave up
   * on goes on now instead of after its attempt's timeout.
   */
  release(): void;
  /** Resolves once no request has been in flight or arrived for `quietMs`. */
  idle(quietMs?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** DynamoDB's JSON 1.0 error shape: the type in `__type`, HTTP 400 for client-side errors. */
function dynamoError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 500, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

export async function startFaultyDynamo(targetEndpoint: string): Promise<FaultyDynamo> {
  const target = new URL(targetEndpoint);
  const held = new Set<ServerResponse>();
  const state = { fault: 'pass', faulted: 0 } as FaultyDynamo;
  let inFlight = 0;
  let lastActivity = Date.now();
  const server = createServer((req, res) => {
    inFlight++;
    lastActivity = Date.now();
    res.on('close', () => {
      inFlight--;
      lastActivity = Date.now();
    });
    if (state.fault === 'pass') return forward(target, req, res);
    state.faulted++;
    req.resume();
    switch (state.fault) {
      case 'silent':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case 'throttling':
        return dynamoError(res, 400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
      case 'provisioned-throughput':
        return dynamoError(res, 400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.');
      case 'http-500':
        return dynamoError(res, 500, 'InternalServerError', 'Internal server error');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.faultedReaches = (count, timeoutMs = 10_000) =>
    poll(() => state.faulted >= count, timeoutMs, () => `${state.faulted} faulted requests, not ${count}`);
  state.release = () => held.forEach((res) => res.destroy());
  state.idle = (quietMs = 200, timeoutMs = 10_000) =>
    poll(() => inFlight === 0 && Date.now() - lastActivity >= quietMs, timeoutMs, () => `${inFlight} requests still in flight`);
  state.close = async () => {
    held.forEach((res) => res.destroy());
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return state;
}

/** Resolves once `done()` holds, checked every 10 ms. */
function poll(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`fault proxy: after ${timeoutMs} ms, ${what()}`));
      setTimeout(check, 10);
    };
    check();
  });
}
