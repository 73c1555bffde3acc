/**
 * The gateway's table of connections and their life cycle.
 *
 *   connecting ──$connect 2xx──▶ open ──close starts──▶ closing ──▶ closed
 *        └──────refused / client gone──────────────────────────────▶ closed
 *
 * Only `open` connections accept Management API calls; every other state,
 * and an id that was never known, answers 410 Gone (as AWS does, including
 * while `$connect` is still running).
 */
import type { WebSocket } from 'ws';
import type { ConnectionFacts } from './events.js';

export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

export interface Connection {
  readonly id: string;
  readonly facts: ConnectionFacts;
  state: ConnectionState;
  socket?: WebSocket;
  lastActiveAt: number;
  /** Set when the gateway (not the client) ends the connection. */
  closeCause?: { statusCode: number; reason: string };
  timers: NodeJS.Timeout[];
  /** In-flight `$default` invocations, for an orderly shutdown. */
  inflight: Set<Promise<unknown>>;
}

export class ConnectionRegistry {
  private readonly connections = new Map<string, Connection>();

  create(facts: ConnectionFacts): Connection {
    const connection: Connection = {
      id: facts.connectionId,
      facts,
      state: 'connecting',
      lastActiveAt: facts.connectedAt,
      timers: [],
      inflight: new Set(),
    };
    this.connections.set(connection.id, connection);
    return connection;
  }

  get(id: string): Connection | undefined {
    return this.connections.get(id);
  }

  /** The connection if Management API calls may reach it, else undefined (→ 410). */
  getOpen(id: string): Connection | undefined {
    const connection = this.connections.get(id);
    return connection?.state === 'open' ? connection : undefined;
  }

  markClosed(connection: Connection): void {
    connection.state = 'closed';
    for (const timer of connection.timers) clearTimeout(timer);
    connection.timers = [];
    this.connections.delete(connection.id);
  }

  all(): Connection[] {
    return [...this.connections.values()];
  }

  openIds(): string[] {
    return this.all()
      .filter((c) => c.state === 'open')
      .map((c) => c.id);
  }

  get size(): number {
    return this.connections.size;
  }
}
