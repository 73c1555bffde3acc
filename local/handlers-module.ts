/**
 * Resolving "the app": a module path (the default runtime entry, or a user
 * app exporting `connect`, `disconnect`, `message` and `sweep` — what
 * `createHandlers` returns, spread into exports — or only `handler`, the
 * dispatcher the construct deploys) or an object with those functions
 * (`sweep`, the keep-alive, is optional).
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WebSocketHandlers } from './types.js';

/** The room-relay app that cdk deploy ships, found from this file (not the cwd). */
export const DEFAULT_APP = fileURLToPath(new URL('../lambda/entry.ts', import.meta.url));

function pick(candidate: unknown): WebSocketHandlers | undefined {
  if (!candidate || (typeof candidate !== 'object' && typeof candidate !== 'function')) return undefined;
  const c = candidate as Partial<WebSocketHandlers>;
  if (typeof c.connect === 'function' && typeof c.disconnect === 'function' && typeof c.message === 'function') {
    return { connect: c.connect, disconnect: c.disconnect, message: c.message, ...(typeof c.sweep === 'function' ? { sweep: c.sweep } : {}) };
  }
  // Only the dispatcher: it serves every route and the scheduled sweep, as the one deployed function does.
  const { handler } = candidate as { handler?: WebSocketHandlers['connect'] };
  if (typeof handler === 'function') return { connect: handler, disconnect: handler, message: handler, sweep: handler };
  return undefined;
}

export function asHandlers(candidate: unknown, where: string): WebSocketHandlers {
  const handlers = pick(candidate) ?? pick((candidate as { default?: unknown } | undefined)?.default);
  if (!handlers) {
    throw new Error(
      `${where} does not export the Lambda entry points: handler, or connect, disconnect and message ` +
        '(export them directly, e.g. `export const { handler, connect, disconnect, message, sweep } = createHandlers(app)`)',
    );
  }
  return handlers;
}

/**
 * Imports a handlers module (TypeScript works under tsx and vitest).
 * `instance` names a fresh instance of the module: handlers configure
 * themselves once, at their first invocation (lambda/container.ts), so
 * each local stack loads its own, as each Lambda container does, and a
 * later stack in the same process (another table, another engine) is not
 * served by handlers configured for an earlier one. The module's own
 * imports are shared.
 */
export async function loadHandlers(spec: string | WebSocketHandlers, cwd = process.cwd(), instance?: string): Promise<WebSocketHandlers> {
  if (typeof spec !== 'string') return asHandlers(spec, 'the handlers object');
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  const url = pathToFileURL(path);
  if (instance !== undefined) url.searchParams.set('instance', instance);
  let mod: unknown;
  try {
    mod = await import(url.href);
  } catch (error) {
    throw new Error(`cannot load the app module ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return asHandlers(mod, path);
}
