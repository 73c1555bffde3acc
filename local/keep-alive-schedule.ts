/**
 * The keep-alive schedule of the deployed stack (an EventBridge rule every
 * minute), run in-process: every tick invokes the app's `sweep` handler —
 * the very code Lambda runs — with a scheduled event. Runs may overlap, as
 * on AWS; stop() ends the ticking and waits for runs still going, so none
 * meets a DynamoDB engine that is gone.
 *
 * By default the interval follows the emulator's idle timeout — 80 % of it,
 * as AWS's default 8 minutes are of its 10 — so shortening IDLE_TIMEOUT_MS
 * exercises the keep-alive; the tick is an eighth of the interval, as a
 * minute is of those 8 minutes. The other 20 % absorb a run's own duration.
 */
import { randomUUID } from 'node:crypto';
import { invokeHandler, type FunctionConfig } from './lambda-context.js';
import type { Logger } from './logger.js';
import { describeError } from './route-invoker.js';
import { RunsInFlight } from './runs-in-flight.js';
import type { LambdaHandler } from './types.js';

/** The keep-alive interval as a share of the idle timeout (AWS's default: 8 of 10 minutes). */
export const KEEP_ALIVE_SHARE_OF_IDLE = 0.8;
/** Ticks per keep-alive interval, as on AWS (1-minute ticks, 8-minute interval). */
export const TICKS_PER_INTERVAL = 8;
/** How long one sweep may run (the deployed function's timeout is 55 s). */
const SWEEP_TIMEOUT_MS = 55_000;

export interface KeepAlivePlan {
  intervalMs: number;
  tickMs: number;
}

/** The interval and tick for an idle timeout, unless the environment names them. */
export function keepAlivePlan(idleTimeoutMs: number, env: NodeJS.ProcessEnv): KeepAlivePlan {
  const intervalMs = Number(env.KEEP_ALIVE_INTERVAL_MS) || Math.max(1, Math.floor(idleTimeoutMs * KEEP_ALIVE_SHARE_OF_IDLE));
  const tickMs = Number(env.KEEP_ALIVE_TICK_MS) || Math.max(1, Math.floor(intervalMs / TICKS_PER_INTERVAL));
  return { intervalMs, tickMs };
}

export interface KeepAliveSchedule {
  stop(deadline: number): Promise<void>;
}

export function startKeepAliveSchedule(options: {
  sweep: LambdaHandler;
  tickMs: number;
  managementApiEndpoint: () => string;
  functionConfig: FunctionConfig;
  logger: Logger;
}): KeepAliveSchedule {
  const running = new RunsInFlight();
  const tick = () => {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: options.functionConfig.accountId,
      time: new Date().toISOString(),
      region: options.functionConfig.region,
      resources: [],
      detail: {},
      managementApiEndpoint: options.managementApiEndpoint(),
    };
    void running.track(
      invokeHandler(options.sweep, event, options.functionConfig, SWEEP_TIMEOUT_MS).catch((error) =>
        options.logger.error('keep-alive sweep failed', { error: describeError(error) }),
      ),
    );
  };
  const timer = setInterval(tick, options.tickMs);
  return {
    async stop(deadline) {
      clearInterval(timer);
      await running.idle(deadline);
    },
  };
}
