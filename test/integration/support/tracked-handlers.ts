/**
 * The app's real Lambda handlers, wrapped to tell a test when the stack has
 * settled: how many invocations are in flight, and when the $disconnect of
 * a given peer's connection has run. Nothing is changed or mocked; this is
 * only a way to wait on events instead of sleeping.
 */
import type { Handlers, SweepHandler, WebSocketHandler } from '../../../lambda/create-handlers.js';
import type { WebSocketEvent } from '../../../lambda/runtime/events.js';
import { DEFAULT_APP, loadHandlers } from '../../../local/handlers-module.js';

type Route = 'connect' | 'disconnect' | 'message';

export function trackInvocations(handlers: Handlers) {
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const connectionsOf = new Map<string, Set<string>>(); // "room/peer" → connectionIds seen at $connect
  const disconnected = new Set<string>();
  const disconnectWaiters = new Map<string, Array<() => void>>();
  let returnWaiters: Array<{ route: Route; match: (event: WebSocketEvent) => boolean; left: number; wake: () => void }> = [];

  const settle = () => {
    if (inFlight > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  function wrap(route: Route): WebSocketHandler {
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
        for (const w of returnWaiters) if (w.route === route && w.match(event)) w.left--;
        const woken = returnWaiters.filter((w) => w.left === 0);
        returnWaiters = returnWaiters.filter((w) => w.left > 0);
        for (const w of woken) w.wake();
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
    /** Resolves once the $disconnect of connection `connectionId` has run (at once if it already has). */
    disconnected(connectionId: string): Promise<void> {
      if (disconnected.has(connectionId)) return Promise.resolve();
      return new Promise((resolve) => disconnectWaiters.set(connectionId, [...(disconnectWaiters.get(connectionId) ?? []), resolve]));
    },
    /**
     * Resolves once the next `count` invocations of `route` whose event
     * `match`es have returned (however they ended): call it before whatever
     * triggers them.
     */
    returned(route: Route, match: (event: WebSocketEvent) => boolean = () => true, count = 1): Promise<void> {
      return new Promise((wake) => returnWaiters.push({ route, match, left: count, wake }));
    },
  };
}

let instances = 0;

/**
 * trackInvocations over a handlers module, by default lambda/entry.ts (the
 * entry cdk deploy ships). The module is imported at the first invocation,
 * as a fresh instance, the way the local stack loads one: inside the
 * stack's environment, configured by nobody else's stack.
 */
export function trackModule(path: string = DEFAULT_APP) {
  let loaded: Promise<Handlers> | undefined;
  const load = () => (loaded ??= loadHandlers(path, process.cwd(), `tracked-${process.pid}-${instances++}`) as unknown as Promise<Handlers>);
  const lazy = {
    connect: async (event, context) => (await load()).connect(event, context),
    disconnect: async (event, context) => (await load()).disconnect(event, context),
    message: async (event, context) => (await load()).message(event, context),
    sweep: async (event, context) => (await load()).sweep(event, context),
  } as Handlers;
  return trackInvocations(lazy);
}
