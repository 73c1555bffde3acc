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
  // Whatever protoo-client's accept()/reject() produced still answers the
  // pending request: dropping it would leave the requester to time out.
  if (ok === true) return { kind: 'response', message: { response: true, id, ok: true, data: data ?? {} } };
  return { kind: 'response', message: { response: true, id, ok: false, ...normalizeError(errorCode, errorReason) } };
}

/** reject() → 500 'request rejected'; reject('busy') → 500 'busy'; reject(503, 'x') as sent. */
function normalizeError(errorCode: unknown, errorReason: unknown): { errorCode: number; errorReason: string } {
  const code = typeof errorCode === 'number' && Number.isFinite(errorCode) ? errorCode : 500;
  if (typeof errorReason === 'string') return { errorCode: code, errorReason };
  if (typeof errorCode === 'string' && errorCode.length > 0) return { errorCode: code, errorReason: errorCode };
  return { errorCode: code, errorReason: 'request rejected' };
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
