/**
 * Small helpers for emulator fidelity tests: handler objects that record
 * what API Gateway sent them, and a raw `ws` client with promise helpers.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import WebSocket from 'ws';
import type { RouteResult, WebSocketEvent, WebSocketHandlers } from '../../local/types.js';

export type Handler = (event: WebSocketEvent, context: any) => Promise<RouteResult | undefined> | RouteResult | undefined;

export interface Recorder {
  handlers: WebSocketHandlers;
  events: WebSocketEvent[];
  contexts: any[];
  /** Resolves with the first recorded event matching the predicate. */
  waitFor(predicate: (e: WebSocketEvent) => boolean, timeoutMs?: number): Promise<WebSocketEvent>;
}

/** Handlers that record events; by default accept with the protoo subprotocol. */
export function recorder(overrides: Partial<Record<'connect' | 'disconnect' | 'message', Handler>> = {}): Recorder {
  const events: WebSocketEvent[] = [];
  const contexts: any[] = [];
  const waiters: Array<{ predicate: (e: WebSocketEvent) => boolean; resolve: (e: WebSocketEvent) => void }> = [];
  const record = (event: WebSocketEvent, context: any) => {
    events.push(event);
    contexts.push(context);
    for (const w of [...waiters]) {
      if (w.predicate(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  };
  const wrap =
    (name: 'connect' | 'disconnect' | 'message', fallback: Handler) =>
    async (event: WebSocketEvent, context: any) => {
      record(event, context);
      return (overrides[name] ?? fallback)(event, context);
    };
  return {
    events,
    contexts,
    handlers: {
      connect: wrap('connect', () => ({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'protoo' } })),
      disconnect: wrap('disconnect', () => ({ statusCode: 200 })),
      message: wrap('message', () => ({ statusCode: 200 })),
    },
    waitFor(predicate, timeoutMs = 5000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
        waiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

export interface Client {
  ws: WebSocket;
  messages: string[];
  /** Next text message not yet consumed. */
  next(timeoutMs?: number): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * Opens a client offering `protocols` (null: no subprotocol at all); rejects
 * with `{ status, body }` when the handshake is refused.
 */
export function connect(url: string, protocols: string | string[] | null = 'protoo', options: WebSocket.ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = protocols === null ? new WebSocket(url, options) : new WebSocket(url, protocols, options);
    const messages: string[] = [];
    let cursor = 0;
    const listeners: Array<() => void> = [];
    ws.on('message', (data, isBinary) => {
      messages.push(isBinary ? `<binary ${(data as Buffer).length}>` : data.toString());
      for (const l of listeners.splice(0)) l();
    });
    const closed = new Promise<{ code: number; reason: string }>((res) =>
      ws.on('close', (code, reason) => res({ code, reason: reason.toString() })),
    );
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on('error', (error) => reject(error));
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        closed,
        next(timeoutMs = 5000) {
          return new Promise((res, rej) => {
            const take = () => {
              if (cursor < messages.length) {
                clearTimeout(timer);
                res(messages[cursor++]!);
                return true;
              }
              return false;
            };
            const timer = setTimeout(() => rej(new Error('no message within ' + timeoutMs + ' ms')), timeoutMs);
            if (!take()) listeners.push(function again() {
              if (!take()) listeners.push(again);
            });
          });
        },
      }),
    );
  });
}

export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** The Management API endpoint the runtime derives from an event. */
export function endpointFromEvent(event: WebSocketEvent): string {
  return `http://${event.requestContext.domainName}/${event.requestContext.stage}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
