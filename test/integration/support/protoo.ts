/**
 * Real protoo-client 4 peers for integration tests. In Node, protoo-client's
 * WebSocketTransport uses the `websocket` package's W3CWebSocket (its
 * optional dependency, installed), so no WebSocket global is needed. It
 * offers the `protoo` subprotocol and fails the handshake if the server
 * does not select it — exactly what API Gateway requires of $connect.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
const protooClient = require('protoo-client') as {
  version: string;
  Peer: new (transport: unknown) => ProtooPeer;
  WebSocketTransport: new (url: string, options?: { retry?: RetryOptions }) => EventEmitter & { closed: boolean; close(): void };
};

export const protooClientVersion = protooClient.version;

export interface RetryOptions {
  retries?: number;
  factor?: number;
  minTimeout?: number;
  maxTimeout?: number;
}

export interface ProtooMessage {
  method: string;
  data: any;
  id?: number;
}

export interface ProtooPeer extends EventEmitter {
  readonly closed: boolean;
  readonly connected: boolean;
  close(): void;
  request(method: string, data?: unknown): Promise<any>;
  notify(method: string, data?: unknown): Promise<void>;
}

/** A protoo-client Peer plus what it has received, with promise helpers. */
export class TestPeer {
  readonly notifications: ProtooMessage[] = [];
  readonly requests: ProtooMessage[] = [];
  private waiters: Array<() => void> = [];
  /** Answers server → client requests; default: accept with {} */
  onRequest: (request: ProtooMessage, accept: (data?: unknown) => void, reject: (code: number | Error, reason?: string) => void) => void =
    (_r, accept) => accept({});

  constructor(
    readonly peer: ProtooPeer,
    readonly peerId: string,
  ) {
    peer.on('notification', (n: ProtooMessage) => {
      this.notifications.push(n);
      this.wake();
    });
    peer.on('request', (r: ProtooMessage, accept: (d?: unknown) => void, reject: (c: number | Error, reason?: string) => void) => {
      this.requests.push(r);
      this.wake();
      this.onRequest(r, accept, reject);
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `predicate()` holds, re-checked on every incoming message. */
  until<T>(predicate: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value) {
          clearTimeout(timer);
          resolve(value);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`${this.peerId}: timed out waiting for ${what}`)), timeoutMs);
      if (check()) return;
      const again = () => {
        if (!check()) this.waiters.push(again);
      };
      this.waiters.push(again);
    });
  }

  notification(method: string, where: (n: ProtooMessage) => boolean = () => true, timeoutMs = 5000): Promise<ProtooMessage> {
    return this.until(() => this.notifications.find((n) => n.method === method && where(n)), timeoutMs, `notification ${method}`);
  }

  request(method: string, where: (r: ProtooMessage) => boolean = () => true, timeoutMs = 5000): Promise<ProtooMessage> {
    return this.until(() => this.requests.find((r) => r.method === method && where(r)), timeoutMs, `request ${method}`);
  }

  close(): void {
    this.peer.close();
  }
}

export function createPeer(url: string, retry: RetryOptions = { retries: 0 }): ProtooPeer {
  const transport = new protooClient.WebSocketTransport(url, { retry });
  return new protooClient.Peer(transport);
}

/** Connects a peer and waits for 'open'; rejects if the handshake fails. */
export function openPeer(baseUrl: string, roomId: string, peerId: string): Promise<TestPeer> {
  const url = `${baseUrl}?roomId=${encodeURIComponent(roomId)}&peerId=${encodeURIComponent(peerId)}`;
  const peer = createPeer(url);
  const testPeer = new TestPeer(peer, peerId);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${peerId}: no 'open' within 10 s`)), 10_000);
    peer.once('open', () => {
      clearTimeout(timer);
      resolve(testPeer);
    });
    peer.once('failed', () => {
      clearTimeout(timer);
      peer.close();
      reject(new Error(`${peerId}: connection failed`));
    });
  });
}

/** `await rejection(p)` → the error a protoo request failed with. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: number }> {
  try {
    const value = await promise;
    throw Object.assign(new Error(`expected a rejection, got ${JSON.stringify(value)}`), { unexpected: true });
  } catch (error: any) {
    if (error?.unexpected) throw error;
    return error;
  }
}

export function once<T = unknown>(emitter: EventEmitter, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

let counter = 0;
/** A room id no other test uses. */
export function freshRoom(prefix = 'room'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rejects with `what` timed out if `promise` takes longer than `ms` (keeps a broken case from waiting out protoo-client's ~22 s). */
export function within<T>(promise: Promise<T>, ms: number, what = 'answer'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no ${what} within ${ms} ms`), { unexpected: true })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const openGates = new Set<() => void>();

/**
 * Holds whoever calls `wait()` until `release()`; `reached` resolves at the
 * first `wait()`. `releaseAllGates()` (in afterEach) frees what a failed
 * test left held.
 */
export function gate(): { wait(): Promise<void>; reached: Promise<void>; release(): void } {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reach!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  openGates.add(release);
  return {
    wait: () => {
      reach();
      return released;
    },
    reached,
    release: () => {
      openGates.delete(release);
      release();
    },
  };
}

/** `arrive()` resolves once `count` callers have arrived. */
export function barrier(count: number): { arrive(): Promise<void> } {
  const g = gate();
  let arrived = 0;
  return {
    arrive: () => {
      if (++arrived >= count) g.release();
      return g.wait();
    },
  };
}

export function releaseAllGates(): void {
  for (const release of openGates) release();
  openGates.clear();
}

/** The HTTP status of a refused WebSocket handshake (rejects if it is accepted). */
export function handshakeStatus(url: string, protocols?: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const ws = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.on('open', () => {
      ws.close();
      reject(new Error('handshake unexpectedly accepted'));
    });
    ws.on('error', () => {});
  });
}
