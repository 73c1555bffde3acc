/**
 * Starting the local stack for a describe block, against a shared engine,
 * with hooks the tests can set to reproduce AWS timing (a late
 * $disconnect, a handshake that completes well after $connect returned) —
 * the emulator itself is real, nothing is mocked.
 */
import { afterAll, beforeAll } from 'vitest';
import type { RunningEngine } from '../../../local/dynamodb-engines.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../local/start-local-stack.js';
import type { RouteKey, WebSocketEvent } from '../../../local/types.js';

export interface StackHandle {
  stack: LocalStack;
  /** Set per test; reset after each describe's tests by the test itself. */
  hooks: {
    beforeInvoke?: (route: RouteKey, event: WebSocketEvent) => void | Promise<void>;
    /** Holds a connection between its `$connect` returning and its handshake (posts to it answer 410 meanwhile). */
    beforeHandshake?: (event: WebSocketEvent) => void | Promise<void>;
  };
}

let tables = 0;

export function useStack(engine: () => RunningEngine, options: Omit<LocalStackOptions, 'dynamodb' | 'beforeInvoke' | 'beforeHandshake'> = {}): () => StackHandle {
  let handle: StackHandle | undefined;
  beforeAll(async () => {
    const hooks: StackHandle['hooks'] = {};
    const stack = await startLocalStack({
      handlers: 'lambda/entry.ts',
      tableName: `protoo-it-${process.pid}-${tables++}`,
      logLevel: 'error',
      env: { LOG_LEVEL: 'warn' },
      // Off unless a suite asks: a keep-alive arriving mid-test would be noise
      // in suites that count notifications (keep-alive.suite.ts tests it).
      keepAlive: false,
      ...options,
      dynamodb: { endpoint: engine().endpoint! },
      beforeInvoke: (route, event) => hooks.beforeInvoke?.(route, event),
      beforeHandshake: (event) => hooks.beforeHandshake?.(event),
    });
    handle = { stack, hooks };
  });
  afterAll(async () => {
    await handle?.stack.stop();
    handle = undefined;
  });
  return () => {
    if (!handle) throw new Error('stack not started');
    return handle;
  };
}
