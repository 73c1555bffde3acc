/**
 * The app's real Lambda handlers, wrapped to tell a test when the stack has
 * settled: how many invocations are in flight, and when the $disconnect of
 * a given peer's connection has run. Nothing is changed or mocked; this is
 * only a way to wait on events instead of sleeping.
 */
import type { Handlers, SweepHandler, WebSocketHandler } from '../../../lambda/create-handlers.js';
import type { WebSocketEvent } from '../../../lambda/runtime/events.js';

export function trackInvocations(handlers: Handlers) {
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const connectionsOf = new Map<string, Set<string>>(); // "room/peer" → connectionIds seen at $connect
  const disconnected = new Set<string>();
  const disconnectWaiters = new Map<string, Array<() => void>>();

  const settle = () => {
    if (inFlight > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  function wrap(route: 'connect' | 'disconnect' | 'message'): WebSocketHandler {
    return async (event: WebSocketEvent, context?: unknown) => {
      inFlight++;
      const { connectionId } = event.requestContext;
      if (route === 'connect') {
        const key = `${event.queryStringParameters?.roomId}/${event.queryStringParameters?.peerId}`;
        if (!connectionsOf.has(key)) connectionsOf.set(key, new Set());
        connectionsOf.get(key)!.add(connectionId);
      }
      try {
        return await handlers[route](event, context);
      } finally {
        inFlight--;
        if (route === 'disconnect') {
          disconnected.add(connectionId);
          for (const wake of disconnectWaiters.get(connectionId) ?? []) wake();
          disconnectWaiters.delete(connectionId);
        }
        // Let a message the client sent in the same tick reach its handler first.
        setImmediate(settle);
      }
    };
  }

  const sweep: SweepHandler = async (event, context) => {
    inFlight++;
    try {
      return await handlers.sweep(event, context);
    } finally {
      inFlight--;
      setImmediate(settle);
    }
  };

  return {
    handlers: { connect: wrap('connect'), disconnect: wrap('disconnect'), message: wrap('message'), sweep } as Handlers,
    /** Resolves once no invocation is in flight. */
    idle(): Promise<void> {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        setImmediate(settle);
      });
    },
    /** Resolves once every connection `peerId` has opened in `roomId` so far has had its $disconnect. */
    disconnectOf(roomId: string, peerId: string): Promise<void> {
      const ids = [...(connectionsOf.get(`${roomId}/${peerId}`) ?? [])].filter((id) => !disconnected.has(id));
      return Promise.all(
        ids.map((id) => new Promise<void>((resolve) => disconnectWaiters.set(id, [...(disconnectWaiters.get(id) ?? []), resolve]))),
      ).then(() => undefined);
    },
  };
}
