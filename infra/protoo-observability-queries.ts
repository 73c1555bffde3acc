/**
 * The saved CloudWatch Logs Insights queries, over the runtime's one
 * structured line per invocation (route, connectionId, roomId, peerId,
 * method, outcome, durationMs, errorId). Kept apart from the construct so the
 * tests and docs/deploy.md can quote the very same text.
 */
import * as logs from 'aws-cdk-lib/aws-logs';

export type SavedQueryName = 'errors-by-route' | 'slowest-messages' | 'busiest-rooms';

export const SAVED_QUERIES: Readonly<Record<SavedQueryName, logs.QueryString>> = {
  // Failed invocations and anything logged at error level (either logger's casing), with the id a client quotes.
  'errors-by-route': new logs.QueryString({
    filterStatements: ['outcome = "failed" or level like /(?i)^error$/'],
    statsStatements: ['count(*) as errors, latest(errorId) as lastErrorId, latest(error.message) as lastError by route, outcome'],
    sort: 'errors desc',
  }),
  'slowest-messages': new logs.QueryString({
    fields: ['@timestamp', 'route', 'method', 'roomId', 'peerId', 'outcome', 'durationMs', 'connectionId'],
    filterStatements: ['ispresent(durationMs)'],
    sort: 'durationMs desc',
    limit: 50,
  }),
  // Messages per room: the rooms that cost the most fan-out and rate-limit budget.
  'busiest-rooms': new logs.QueryString({
    filterStatements: ['ispresent(roomId) and ispresent(durationMs)'],
    statsStatements: ['count(*) as messages, count_distinct(peerId) as peers, avg(durationMs) as avgMs by roomId'],
    sort: 'messages desc',
    limit: 25,
  }),
};
