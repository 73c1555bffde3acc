/**
 * ProtooKeepAlive: the keep-alive and dead-connection sweep of a protoo
 * endpoint. API Gateway closes a WebSocket that is silent for 10 minutes,
 * and every connection at 2 hours. An EventBridge rule runs the sweep every
 * minute (the app's `handler`, which knows the scheduled event, or its
 * `sweep` export beside per-route functions); each run posts a small protoo notification to the
 * connections whose turn it is (found through the table's keepAlive index),
 * which keeps them open, ends the peers whose post answers Gone exactly as
 * $disconnect would, and tells connections near the 2-hour close when they
 * close (lambda/keep-alive/sweep.ts).
 *
 * ProtooWebSocketApi creates one unless `keepAlive: false`.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { addRuntimeFunction, type RuntimeFunctionBase } from './protoo-runtime-function.js';

import { DEFAULT_KEEP_ALIVE } from '../lambda/keep-alive/settings.js';
import { KEEP_ALIVE_INDEX } from '../lambda/store/table-schema.js';

/** The per-route app's export for the sweep (`functionPerRoute`). */
export const SWEEP_EXPORT = 'sweep';

/** The `route` the runtime's metrics and log lines carry for a sweep. */
export const SWEEP_ROUTE = 'sweep';

/** The schedule's period: each run visits the connections due that minute. */
export const KEEP_ALIVE_TICK = Duration.minutes(1);

/** A run must end before the next minute's begins. */
export const KEEP_ALIVE_TIMEOUT = Duration.seconds(55);

/**
 * How late a run may still start, for EventBridge and for Lambda's own
 * queue, with no retry: a late run is useless, the next minute's comes
 * anyway. 60 s is the least either accepts.
 */
export const KEEP_ALIVE_MAX_EVENT_AGE = Duration.minutes(1);

/** The keep-alive interval, whole minutes: API Gateway closes after 10 silent minutes. */
export const KEEP_ALIVE_INTERVAL_MINUTES = { min: 1, max: 9, default: DEFAULT_KEEP_ALIVE.intervalMs / 60_000 } as const;

/**
 * DynamoDB actions of the sweep: Query on the keepAlive index to find the
 * connections due, and what ending a Gone peer calls on the table (the same
 * as $disconnect: GetItem, DeleteItem, Query, UpdateItem).
 */
export const KEEP_ALIVE_DYNAMODB_ACTIONS = {
  table: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  index: ['dynamodb:Query'],
} as const;

export interface ProtooKeepAliveOptions {
  /**
   * How often each connection gets a keep-alive notification, in whole
   * minutes from 1 to 9. API Gateway closes a connection after 10 silent
   * minutes, and a scheduled run may start up to a minute late.
   * @default Duration.minutes(8)
   */
  readonly interval?: Duration;
  /**
   * The keep-alive notification's method: 1 to 64 of A-Z a-z 0-9 _ . : -.
   * protoo-client emits it as a 'notification' event.
   * @default 'serverKeepAlive'
   */
  readonly method?: string;
  /**
   * Sent instead of the keep-alive at the last visit before API Gateway
   * closes the connection at its 2-hour maximum, with `data: { closesInMs }`,
   * so the app can reconnect at a moment of its choosing; `false` turns it off.
   * @default { method: 'connectionExpiring' }
   */
  readonly connectionExpiringNotice?: false | { readonly method?: string };
}

export interface ProtooKeepAliveProps extends RuntimeFunctionBase {
  /**
   * The export the schedule invokes: the dispatcher `handler` (it runs the
   * sweep for EventBridge's scheduled event) or `sweep`.
   * @default 'sweep'
   */
  readonly exportName?: string;
  readonly options?: ProtooKeepAliveOptions;
}

export class ProtooKeepAlive extends Construct {
  /** Runs the sweep: its own function for its own timeout and async settings, from the routes' bundle. */
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  /** Every minute, the sweep. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ProtooKeepAliveProps) {
    super(scope, id);
    const { tableArn } = props.table;
    const sweeper = addRuntimeFunction(this, '', props, {
      exportName: props.exportName ?? SWEEP_EXPORT,
      description: 'protoo keep-alive sweep',
      timeout: KEEP_ALIVE_TIMEOUT,
      dynamodb: [
        { sid: 'ProtooState', actions: KEEP_ALIVE_DYNAMODB_ACTIONS.table, resources: [tableArn] },
        { sid: 'KeepAliveIndex', actions: KEEP_ALIVE_DYNAMODB_ACTIONS.index, resources: [`${tableArn}/index/${KEEP_ALIVE_INDEX}`] },
      ],
      environment: keepAliveEnvironment(props.options),
      retryAttempts: 0,
      maxEventAge: KEEP_ALIVE_MAX_EVENT_AGE,
    });
    this.function = sweeper.function;
    this.logGroup = sweeper.logGroup;

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'protoo keep-alive sweep, every minute',
      schedule: events.Schedule.rate(KEEP_ALIVE_TICK),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: KEEP_ALIVE_MAX_EVENT_AGE })],
    });
  }
}

/** The sweep's settings as lambda/keep-alive/settings.ts reads them, every default spelled out. */
export function keepAliveEnvironment(options: ProtooKeepAliveOptions = {}): Record<string, string> {
  const interval = options.interval ?? Duration.minutes(KEEP_ALIVE_INTERVAL_MINUTES.default);
  const notice = options.connectionExpiringNotice ?? {};
  return {
    KEEP_ALIVE_TICK_MS: String(KEEP_ALIVE_TICK.toMilliseconds()),
    KEEP_ALIVE_INTERVAL_MS: String(interval.toMilliseconds()),
    KEEP_ALIVE_METHOD: options.method ?? DEFAULT_KEEP_ALIVE.method,
    ...(notice === false
      ? { CONNECTION_EXPIRING_NOTICE: 'off' }
      : { CONNECTION_EXPIRING_NOTICE: 'on', CONNECTION_EXPIRING_METHOD: notice.method ?? DEFAULT_KEEP_ALIVE.expiringMethod }),
  };
}
