/**
 * Every Management API call is bounded in time: the real client as
 * management-client.ts builds it, against a loopback HTTP server that
 * answers as told (or never), so the SDK's own timeouts and retries run.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encode } from '../../../lambda/protocol/encode.js';
import { createNotification } from '../../../lambda/protocol/messages.js';
import { ConnectionSender } from '../../../lambda/delivery/connection-sender.js';
import { DeliveryFailedError } from '../../../lambda/delivery/delivery-failed.js';
import { managementClientFor } from '../../../lambda/delivery/management-client.js';
import { DEFAULT_MANAGEMENT_CLIENT_SETTINGS, LOCAL_STACK_POST_TIMEOUT_MS, managementClientSettings } from '../../../lambda/delivery/management-client-settings.js';

/** A small notification, encoded as every post is. */
const hi = encode(createNotification('hi'));

type Answer = (res: ServerResponse) => void;

interface Loopback {
  endpoint: string;
  requests: number;
  server: Server;
}

let loopback: Loopback | undefined;

/** An HTTP server that answers every request with `answer` (which may never answer). */
async function startLoopback(answer: Answer): Promise<Loopback> {
  const held: ServerResponse[] = [];
  const state = { requests: 0 } as Loopback;
  const server = createServer((req, res) => {
    state.requests++;
    req.resume();
    held.push(res);
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => held.forEach((res) => res.destroy()));
  state.server = server;
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stage`;
  return state;
}

function error(status: number, type: string): Answer {
  return (res) => {
    const body = JSON.stringify({ message: type });
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
}

async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (caught) {
    return caught;
  }
  throw new Error('expected a failure');
}

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  if (loopback) {
    loopback.server.closeAllConnections();
    await new Promise((resolve) => loopback!.server.close(resolve));
  }
  loopback = undefined;
});

function senderFor(endpoint: string, postTimeoutMs: number): ConnectionSender {
  return new ConnectionSender(managementClientFor(endpoint, { POST_TIMEOUT_MS: String(postTimeoutMs) }));
}

describe('a Management API that never answers', () => {
  it('fails a post with DeliveryFailedError (not gone) within its bound, after exactly 2 attempts', async () => {
    loopback = await startLoopback(() => {});
    const sender = senderFor(loopback.endpoint, 300);
    const started = Date.now();
    const caught = await failure(sender.post('stuck-conn', hi));
    const elapsed = Date.now() - started;

    expect(caught).toBeInstanceOf(DeliveryFailedError);
    expect(caught.connectionId).toBe('stuck-conn');
    expect(caught.operation).toBe('post');
    expect((caught.cause as Error).name).toBe('TimeoutError');
    expect(loopback.requests).toBe(2);
    // 2 attempts × 300 ms of silence, plus the SDK's short backoff; nowhere near 29 s.
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(2_500);
  });

  it('fails a close the same way', async () => {
    loopback = await startLoopback(() => {});
    const caught = await failure(senderFor(loopback.endpoint, 200).close('stuck-conn'));
    expect(caught).toBeInstanceOf(DeliveryFailedError);
    expect(caught.operation).toBe('close');
  });
});

describe('answers from the Management API', () => {
  it('retries a 500 once, then DeliveryFailedError carrying the cause', async () => {
    loopback = await startLoopback(error(500, 'InternalServerErrorException'));
    const caught = await failure(senderFor(loopback.endpoint, 1_000).post('c', hi));
    expect(caught).toBeInstanceOf(DeliveryFailedError);
    expect(caught.cause.$metadata.httpStatusCode).toBe(500);
    expect(loopback.requests).toBe(2);
  });

  it('retries a 429 LimitExceededException (throttled, or the client buffer is full) once, then DeliveryFailedError', async () => {
    loopback = await startLoopback(error(429, 'LimitExceededException'));
    const started = Date.now();
    const caught = await failure(senderFor(loopback.endpoint, 1_000).post('c', hi));
    expect(caught).toBeInstanceOf(DeliveryFailedError);
    expect(caught.cause.name).toBe('LimitExceededException');
    expect(loopback.requests).toBe(2);
    // The SDK's throttling backoff before its one retry is at most 1 s.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a 410 is gone, at the first answer', async () => {
    loopback = await startLoopback(error(410, 'GoneException'));
    expect(await senderFor(loopback.endpoint, 1_000).post('c', hi)).toBe('gone');
    expect(loopback.requests).toBe(1);
  });

  it('a 403 is a bug, not a delivery failure: thrown as it is, not retried', async () => {
    loopback = await startLoopback(error(403, 'ForbiddenException'));
    const caught = await failure(senderFor(loopback.endpoint, 1_000).post('c', hi));
    expect(caught).not.toBeInstanceOf(DeliveryFailedError);
    expect(caught.name).toBe('ForbiddenException');
    expect(loopback.requests).toBe(1);
  });

  it('a 200 is sent', async () => {
    loopback = await startLoopback((res) => res.writeHead(200).end());
    expect(await senderFor(loopback.endpoint, 1_000).post('c', hi)).toBe('sent');
  });
});

describe('a broadcast with one stuck recipient', () => {
  it('posts to the others at once: a stuck post holds one socket, not the pool', async () => {
    const stuck = new Set(['stuck']);
    loopback = await startLoopback(() => {});
    // Route by connection id: the stuck one never answers, the rest answer 200.
    loopback.server.removeAllListeners('request');
    loopback.server.on('request', (req, res) => {
      loopback!.requests++;
      req.resume();
      if (!stuck.has(decodeURIComponent(req.url!.split('/').pop()!))) res.writeHead(200).end();
    });
    const sender = senderFor(loopback.endpoint, 500);
    const ids = ['stuck', ...Array.from({ length: 30 }, (_, i) => `ok-${i}`)];
    const started = Date.now();
    const results = await Promise.allSettled(ids.map(async (id) => [id, await sender.post(id, hi)] as const));
    const finishedAt = Date.now() - started;
    const delivered = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<readonly [string, string]>).value);
    expect(delivered.map(([id]) => id).sort()).toEqual(ids.slice(1).sort());
    expect(results[0].status === 'rejected' && results[0].reason).toBeInstanceOf(DeliveryFailedError);
    expect(finishedAt).toBeLessThan(3_000);
  });
});

describe('settings', () => {
  it('POST_TIMEOUT_MS sets the per-call timeout; absent, 2 s on AWS and 10 s against the local stack', () => {
    expect(managementClientSettings({}, 'https://abc.execute-api.eu-west-1.amazonaws.com/prod').postTimeoutMs).toBe(2_000);
    expect(managementClientSettings({}, 'http://127.0.0.1:8080/local').postTimeoutMs).toBe(LOCAL_STACK_POST_TIMEOUT_MS);
    expect(managementClientSettings({ POST_TIMEOUT_MS: '750' }, 'http://127.0.0.1:8080/local').postTimeoutMs).toBe(750);
    expect(DEFAULT_MANAGEMENT_CLIENT_SETTINGS.maxSockets).toBeGreaterThanOrEqual(2 * 25);
  });

  it('refuses a POST_TIMEOUT_MS that is not a positive whole number, with a one-line error', () => {
    for (const bad of ['0', '-5', 'soon', '1.5']) {
      expect(() => managementClientSettings({ POST_TIMEOUT_MS: bad })).toThrow(/^POST_TIMEOUT_MS must be a positive whole number of milliseconds, got ".*"$/);
    }
  });
});
