/**
 * Starting the local stack for a describe block, against a shared engine,
 * with a hook the tests can set to reproduce AWS timing (a late
 * $disconnect) — the emulator itself is real, nothing is mocked.
 */
import { afterAll, beforeAll } from 'vitest';
import type { RunningEngine } from '../../../local/dynamodb-engines.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../local/start-local-stack.js';
import type { RouteKey, WebSocketEvent } from '../../../local/types.js';

export interface StackHandle {
  stack: LocalStack;
  /** Set per test; reset after each describe's tests by the test itself. */
  hooks: { beforeInvoke?: (route: RouteKey, event: WebSocketEvent) => void | Promise<void> };
}

let tables = 0;

export function useStack(engine: () => RunningEngine, options: Omit<LocalStackOptions, 'dynamodb' | 'beforeInvoke'> = {}): () => StackHandle {
  let handle: StackHandle | undefined;
  beforeAll(async () => {
    const hooks: StackHandle['hooks'] = {};
    const stack = await startLocalStack({
      handlers: 'lambda/entry.ts',
      tableName: `protoo-it-${process.pid}-${tables++}`,
      logLevel: 'error',
      env: { LOG_LEVEL: 'warn' },
      ...options,
      dynamodb: { endpoint: engine().endpoint! },
      beforeInvoke: (route, event) => hooks.beforeInvoke?.(route, event),
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
