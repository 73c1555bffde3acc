import type { ProtooData, ProtooNotification, ProtooRequest, ProtooResponse } from './messages.js';

/**
 * What one incoming WebSocket frame turned out to be. `invalid-request`
 * carries a usable id, so it can be answered with 400; `junk` cannot be
 * answered at all and is only logged.
 */
export type ParsedMessage =
  | { kind: 'request'; message: ProtooRequest }
  | { kind: 'response'; message: ProtooResponse }
  | { kind: 'notification'; message: ProtooNotification }
  | { kind: 'invalid-request'; id: number; reason: string }
  | { kind: 'junk'; reason: string };

export function parseMessage(body: string | undefined | null): ParsedMessage {
  if (typeof body !== 'string' || body.length === 0) return junk('empty body');

  let value: unknown;
  try {
    value = JSON.parse(body, dropPrototypeKeys);
  } catch {
    return junk('not JSON');
  }
  if (!isPlainObject(value)) return junk('not a JSON object');

  if (value.request === true) return parseRequest(value);
  if (value.response === true) return parseResponse(value);
  if (value.notification === true) return parseNotification(value);
  return junk('neither request, response nor notification');
}

function parseRequest(value: Record<string, unknown>): ParsedMessage {
  const { id, method, data } = value;
  if (!isUsableId(id)) return junk('request without a numeric id');
  if (typeof method !== 'string' || method.length === 0) {
    return { kind: 'invalid-request', id, reason: 'method must be a non-empty string' };
  }
  if (data !== undefined && !isPlainObject(data)) {
    return { kind: 'invalid-request', id, reason: 'data must be an object' };
  }
  return { kind: 'request', message: { request: true, id, method, data: data ?? {} } };
}

function parseResponse(value: Record<string, unknown>): ParsedMessage {
  const { id, ok, data, errorCode, errorReason } = value;
  if (!isUsableId(id)) return junk('response without a numeric id');
  if (ok === true) {
    if (data !== undefined && !isPlainObject(data)) return junk('response data must be an object');
    return { kind: 'response', message: { response: true, id, ok: true, data: data ?? {} } };
  }
  // protoo-client sends error responses without `ok`; accept both shapes.
  if (typeof errorCode !== 'number' || !Number.isFinite(errorCode)) {
    return junk('error response without a numeric errorCode');
  }
  return {
    kind: 'response',
    message: { response: true, id, ok: false, errorCode, errorReason: typeof errorReason === 'string' ? errorReason : '' },
  };
}

function parseNotification(value: Record<string, unknown>): ParsedMessage {
  const { method, data } = value;
  if (typeof method !== 'string' || method.length === 0) return junk('notification without a method');
  if (data !== undefined && !isPlainObject(data)) return junk('notification data must be an object');
  return { kind: 'notification', message: { notification: true, method, data: data ?? {} } };
}

function isUsableId(id: unknown): id is number {
  return typeof id === 'number' && Number.isFinite(id);
}

export function isPlainObject(value: unknown): value is ProtooData {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON.parse makes `__proto__` an own property, which is harmless until
 * some code merges the object; drop it so no later merge can pollute.
 */
function dropPrototypeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

function junk(reason: string): ParsedMessage {
  return { kind: 'junk', reason };
}
