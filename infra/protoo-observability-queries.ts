/**
 * The saved CloudWatch Logs Insights queries, over the runtime's one
 * structured line per invocation (route, connectionId, roomId, peerId,
 * method, outcome, durationMs, errorId) and the authorizer's one line per
 * `$connect`. Kept apart from the construct so the tests and docs/deploy.md
 * can quote the very same text.
 */
import * as logs from 'aws-cdk-lib/aws-logs';

import { ROUTE_LINE_MESSAGES } from '../lambda/observability/metered-logger.js';
import { SWEEP_ROUTE } from './protoo-keep-alive.js';

export type SavedQueryName = 'errors-by-route' | 'slowest-messages' | 'busiest-rooms' | 'refused-connects';

/**
 * The route wrapper's own line per connect, disconnect or message (named
 * after the handler): not the sweep's line per run, nor a late "… finished
 * after its deadline" line about an invocation already counted.
 */
const MESSAGE_LINES = [...ROUTE_LINE_MESSAGES].filter((name) => name !== SWEEP_ROUTE);
const IS_MESSAGE_LINE = `message in [${MESSAGE_LINES.map((name) => JSON.stringify(name)).join(', ')}]`;

export const SAVED_QUERIES: Readonly<Record<SavedQueryName, logs.QueryString>> = {
  // Every line logged at error level (either logger's casing), with the id a client quotes: the
  // failed invocations (as FailedOutcomes counts them) and the authorizer's failures (outcome "error").
  // Not the warn line of work that failed after its invocation had already answered (and counted) it.
  'errors-by-route': new logs.QueryString({
    filterStatements: ['level like /(?i)^error$/'],
    statsStatements: ['count(*) as errors, latest(errorId) as lastErrorId, latest(error.message) as lastError by route, outcome'],
    sort: 'errors desc',
  }),
  'slowest-messages': new logs.QueryString({
    fields: ['@timestamp', 'route', 'method', 'roomId', 'peerId', 'outcome', 'durationMs', 'connectionId'],
    filterStatements: [`ispresent(durationMs) and ${IS_MESSAGE_LINE}`],
    sort: 'durationMs desc',
    limit: 50,
  }),
  // Messages per room: the rooms that cost the most fan-out and rate-limit budget.
  'busiest-rooms': new logs.QueryString({
    filterStatements: [`ispresent(roomId) and ${IS_MESSAGE_LINE}`],
    statsStatements: ['count(*) as messages, count_distinct(peerId) as peers, avg(durationMs) as avgMs by roomId'],
    sort: 'messages desc',
    limit: 25,
  }),
  // Handshakes the authorizer refused (401), by reason: expired tokens, forgeries, probes.
  'refused-connects': new logs.QueryString({
    filterStatements: ['outcome = "unauthorized"'],
    statsStatements: ['count(*) as refused, count_distinct(sourceIp) as sources, latest(detail) as lastDetail by reason'],
    sort: 'refused desc',
  }),
};

/**
 * Which log groups each query reads: `all` (the route functions, the sweep
 * and the authorizer), `routes` (the route functions only: the sweep's runs
 * would top the slowest list), `authorizer` (its own lines; the query is left
 * out when there is no authorizer).
 */
export const SAVED_QUERY_LOG_GROUPS: Readonly<Record<SavedQueryName, 'all' | 'routes' | 'authorizer'>> = {
  'errors-by-route': 'all',
  'slowest-messages': 'routes',
  'busiest-rooms': 'routes',
  'refused-connects': 'authorizer',
};
