/**
 * The protoo 4.x wire format: what protoo-client sends and expects.
 * Pure data, no I/O — shared by the runtime, the apps and the tests.
 */
export type ProtooData = Record<string, unknown>;

export interface ProtooRequest {
  request: true;
  id: number;
  method: string;
  data: ProtooData;
}

export interface ProtooSuccessResponse {
  response: true;
  id: number;
  ok: true;
  /** Usually an object, but protoo-client sends whatever `accept(data)` was given. */
  data: unknown;
}

export interface ProtooErrorResponse {
  response: true;
  id: number;
  ok: false;
  errorCode: number;
  errorReason: string;
}

export type ProtooResponse = ProtooSuccessResponse | ProtooErrorResponse;

export interface ProtooNotification {
  notification: true;
  method: string;
  data: ProtooData;
}

export type ProtooMessage = ProtooRequest | ProtooResponse | ProtooNotification;

export function createRequest(id: number, method: string, data: ProtooData = {}): ProtooRequest {
  return { request: true, id, method, data };
}

export function createSuccessResponse(id: number, data: unknown = {}): ProtooSuccessResponse {
  return { response: true, id, ok: true, data };
}

export function createErrorResponse(id: number, errorCode: number, errorReason: string): ProtooErrorResponse {
  return { response: true, id, ok: false, errorCode, errorReason };
}

export function createNotification(method: string, data: ProtooData = {}): ProtooNotification {
  return { notification: true, method, data };
}

/** Same id space as protoo-client (an integer below 10^7), so ids look familiar in logs. */
export function generateRequestId(): number {
  return Math.round(Math.random() * 10_000_000);
}
