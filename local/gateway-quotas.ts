/**
 * API Gateway's WebSocket quotas, and their enforcement on an open
 * connection: frame and message size (1009), idle timeout and maximum
 * connection duration (1001).
 */
import type { Duplex } from 'node:stream';
import { CLOSE, type CloseCause } from './close-codes.js';
import type { Connection } from './connection-registry.js';
import { FrameGuard } from './frame-guard.js';
import type { GatewayOptions } from './gateway-options.js';

export const LIMITS = {
  /** API Gateway: WebSocket frame size. */
  maxFrameBytes: 32 * 1024,
  /** API Gateway: message payload size. */
  maxMessageBytes: 128 * 1024,
  /** API Gateway: idle connection timeout. */
  idleTimeoutMs: 10 * 60 * 1000,
  /** API Gateway: connection duration for WebSocket API. */
  maxConnectionDurationMs: 2 * 60 * 60 * 1000,
  /** API Gateway: integration timeout. */
  integrationTimeoutMs: 29_000,
} as const;

/**
 * A client that does not read its socket. Documented by AWS: PostToConnection
 * answers 429 LimitExceededException when "the WebSocket client side buffer
 * is full" (Management API reference). Not documented: the buffer's size, and
 * whether API Gateway ever closes such a connection. Chosen here: a POST is
 * queued at once (never waits for the socket to drain) while the bytes the
 * gateway still holds for the client stay within `maxBufferedBytes`; past
 * that, `onOverflow` decides — 'reject': 429 and the connection stays open
 * (the documented answer; the default), 'close': the connection is dropped
 * (`$disconnect` 1006) and the POST, like every later one, answers 410.
 * The bytes the operating system buffers (a few MB on loopback) come on top.
 */
export interface Backpressure {
  maxBufferedBytes: number;
  onOverflow: 'reject' | 'close';
}

export const BACKPRESSURE: Backpressure = { maxBufferedBytes: 1024 * 1024, onOverflow: 'reject' };

/** The cause `$disconnect` reports for a connection dropped by `onOverflow: 'close'`. */
export const SLOW_CLIENT_CLOSE: CloseCause = { statusCode: 1006, reason: 'Connection was closed abnormally' };

/** The backpressure settings, checked: one message must always fit. */
export function resolveBackpressure(
  options: Partial<Backpressure> | undefined,
  maxMessageBytes: number,
): Backpressure {
  const resolved = { ...BACKPRESSURE, ...options };
  if (!Number.isFinite(resolved.maxBufferedBytes) || resolved.maxBufferedBytes < maxMessageBytes) {
    throw new Error(`backpressure.maxBufferedBytes must be at least one message (${maxMessageBytes} bytes), got ${resolved.maxBufferedBytes}`);
  }
  if (resolved.onOverflow !== 'reject' && resolved.onOverflow !== 'close') {
    throw new Error(`backpressure.onOverflow must be 'reject' or 'close', got ${String(resolved.onOverflow)}`);
  }
  return resolved;
}

/** Whether `bytes` more would take the client's pending output over the bound. */
export function wouldOverflow(connection: Connection, bytes: number, backpressure: Backpressure): boolean {
  return (connection.socket?.bufferedAmount ?? 0) + bytes > backpressure.maxBufferedBytes;
}

/** Gateway-initiated close of the connection a quota belongs to. */
export type CloseForQuota = (cause: CloseCause) => void;

/**
 * Closes with 1009 at the first frame or message over the size quotas.
 * Install it before `ws` listens on the socket, so an oversized message is
 * never dispatched.
 */
export function guardMessageSizes(
  connection: Connection,
  socket: Duplex,
  options: Pick<GatewayOptions, 'maxFrameBytes' | 'maxMessageBytes' | 'logger'>,
  close: CloseForQuota,
): void {
  const guard = new FrameGuard(options, (kind, bytes) => {
    options.logger.info('size quota exceeded', { connectionId: connection.id, kind, bytes });
    close(CLOSE.tooBig);
  });
  // Runs before ws's own listener, so an oversized message is never dispatched.
  socket.prependListener('data', (chunk: Buffer) => guard.feed(chunk));
}

/** Starts the idle and maximum-duration timers (a limit of 0 turns one off). */
export function armConnectionTimers(
  connection: Connection,
  options: Pick<GatewayOptions, 'idleTimeoutMs' | 'maxConnectionDurationMs' | 'logger'>,
  close: CloseForQuota,
): void {
  if (options.idleTimeoutMs > 0) armIdleTimer(connection, options, close);
  if (options.maxConnectionDurationMs > 0) {
    const remaining = connection.facts.connectedAt + options.maxConnectionDurationMs - Date.now();
    connection.timers.push(
      setTimeout(() => {
        options.logger.info('maximum connection duration reached', { connectionId: connection.id });
        close(CLOSE.goingAway);
      }, Math.max(0, remaining)),
    );
  }
}

/**
 * One timer per connection, re-armed when it fires early: activity only
 * moves `lastActiveAt`, so messages never have to reset a timer.
 */
function armIdleTimer(
  connection: Connection,
  options: Pick<GatewayOptions, 'idleTimeoutMs' | 'logger'>,
  close: CloseForQuota,
): void {
  const due = connection.lastActiveAt + options.idleTimeoutMs - Date.now();
  const timer = setTimeout(() => {
    connection.timers = connection.timers.filter((t) => t !== timer);
    if (connection.state !== 'open') return;
    if (Date.now() - connection.lastActiveAt >= options.idleTimeoutMs) {
      options.logger.info('idle timeout', { connectionId: connection.id });
      close(CLOSE.goingAway);
    } else {
      armIdleTimer(connection, options, close);
    }
  }, Math.max(0, due));
  connection.timers.push(timer);
}
