/** protoo-client 4.x ships no types; the part the demo uses, without Node's types. */
declare module 'protoo-client' {
  type Listener = (...args: any[]) => void;

  export class WebSocketTransport {
    constructor(url: string, options?: { retry?: { retries?: number; minTimeout?: number; maxTimeout?: number } });
    close(): void;
  }

  export class Peer {
    constructor(transport: WebSocketTransport);
    readonly closed: boolean;
    readonly connected: boolean;
    on(event: string, listener: Listener): this;
    close(): void;
    request(method: string, data?: unknown): Promise<any>;
    notify(method: string, data?: unknown): Promise<void>;
  }
}
