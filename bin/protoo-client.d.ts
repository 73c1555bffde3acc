/** protoo-client 4.x ships no types; this is the part bin/client.ts uses. */
declare module 'protoo-client' {
  import { EventEmitter } from 'node:events';

  export interface RetryOptions {
    retries?: number;
    factor?: number;
    minTimeout?: number;
    maxTimeout?: number;
  }

  export interface ProtooRequest {
    request: true;
    id: number;
    method: string;
    data: Record<string, unknown>;
  }

  export interface ProtooNotification {
    notification: true;
    method: string;
    data: Record<string, unknown>;
  }

  export class WebSocketTransport extends EventEmitter {
    constructor(url: string, options?: { retry?: RetryOptions; origin?: string; headers?: Record<string, string> });
    readonly closed: boolean;
    close(): void;
  }

  export class Peer extends EventEmitter {
    constructor(transport: WebSocketTransport);
    readonly closed: boolean;
    readonly connected: boolean;
    readonly data: Record<string, unknown>;
    close(): void;
    request(method: string, data?: unknown): Promise<any>;
    notify(method: string, data?: unknown): Promise<void>;
  }

  export const version: string;

  const protooClient: { Peer: typeof Peer; WebSocketTransport: typeof WebSocketTransport; version: string };
  export default protooClient;
}
