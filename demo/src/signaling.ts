/**
 * The room-relay protocol over the real protoo-client: join, the peer
 * list notifications, and relayed requests/notifications to one peer or
 * to everyone. Nothing WebRTC-specific lives here.
 */
import { Peer, WebSocketTransport } from 'protoo-client';

export interface PeerInfo {
  id: string;
  data: { displayName?: string };
}

export interface SignalingHandlers {
  /** The socket is open: (re)join now. protoo-client reconnects by itself. */
  open(): void;
  /** The socket dropped (protoo-client will retry) or closed for good. */
  down(final: boolean): void;
  newPeer(peer: PeerInfo): void;
  peerClosed(peerId: string): void;
  /** A newer connection took our peerId (another tab): stop. */
  replaced(): void;
  request(from: string, method: string, data: any): Promise<unknown>;
  notification(from: string, method: string, data: any): void;
}

const RETRIES = 4;

export class Signaling {
  private readonly peer: Peer;

  constructor(url: string, handlers: SignalingHandlers) {
    // A few quick retries, then give up: a human can press Join again.
    this.peer = new Peer(new WebSocketTransport(url, { retry: { retries: 3, minTimeout: 500, maxTimeout: 2000 } }));
    this.peer.on('open', () => handlers.open());
    this.peer.on('disconnected', () => handlers.down(false));
    this.peer.on('failed', () => handlers.down(false));
    this.peer.on('close', () => handlers.down(true));
    this.peer.on('notification', ({ method, data }: { method: string; data: any }) => {
      if (method === 'newPeer') handlers.newPeer(data as PeerInfo);
      else if (method === 'peerClosed') handlers.peerClosed(data.peerId);
      else if (method === 'peerReplaced') handlers.replaced();
      else if (data && typeof data.from === 'string') handlers.notification(data.from, method, data.data);
    });
    this.peer.on('request', (request: { method: string; data: any }, accept: (d?: unknown) => void, reject: (code: number, reason: string) => void) => {
      const { from, data } = request.data ?? {};
      handlers.request(from, request.method, data).then(
        (answer) => accept(answer),
        (error: { code?: number; message?: string }) => reject(error.code ?? 500, error.message ?? String(error)),
      );
    });
  }

  async join(displayName: string): Promise<PeerInfo[]> {
    const { peers } = await this.send('join', { data: { displayName } });
    return peers as PeerInfo[];
  }

  /** A request to one peer; its answer, or its rejection as an Error with `code`. */
  request(peerId: string, method: string, data: unknown): Promise<any> {
    return this.send('peerRequest', { peerId, method, data });
  }

  /** A notification to one peer, or to every other joined peer. */
  notify(peerId: string | undefined, method: string, data: unknown): Promise<{ delivered: number }> {
    return this.send('peerNotify', peerId ? { peerId, method, data } : { method, data });
  }

  /**
   * The server asks us to try again on 503 (a briefly unavailable
   * dependency) and 429 (rate limit): a lost ICE candidate could cost the
   * whole link, so retry those a few times with growing pauses.
   */
  private async send(method: string, data: unknown): Promise<any> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.peer.request(method, data);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if ((code !== 503 && code !== 429) || attempt === RETRIES || this.peer.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  close(): void {
    this.peer.close();
  }
}

/** A rejection our request handler sends back through the relay. */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
