/**
 * One run of the keep-alive sweep: every connection in the buckets due this
 * tick gets a small protoo notification. Posting is what keeps it open (API
 * Gateway counts a server's message as activity) and also what finds the
 * dead: a Gone answer ends the peer exactly as its lost $disconnect would
 * have — removed, `peerClosed` to the peers that knew it, its pending
 * requests failed — so a vanished peer is gone within one interval.
 */
import { encode } from '../protocol/encode.js';
import { settleWithConcurrency } from '../delivery/bounded-map.js';
import { DeliveryFailedError } from '../delivery/delivery-failed.js';
import { createNotification } from '../protocol/messages.js';
import { endGonePeer, endReportedGone } from '../runtime/peer-lifecycle.js';
import type { RuntimeServices } from '../runtime/ports.js';
import type { KeptConnection } from '../store/records.js';
import { bucketsDue } from './buckets.js';
import type { KeepAliveSettings } from './settings.js';

export interface SweepReport {
  tick: number;
  buckets: number;
  /** Connections posted to. */
  visited: number;
  /** Of those, told their connection closes soon instead. */
  expiring: number;
  /** Answered Gone: ended as if $disconnect had come (unless still connecting). */
  gone: number;
  /** The post timed out or kept failing: not a proof of death, tried again next interval. */
  undelivered: number;
}

/** Connections read per Query: bounds a run's memory however large a bucket grows. */
export const SWEEP_PAGE_SIZE = 200;

export async function sweep(
  services: RuntimeServices,
  settings: KeepAliveSettings,
  tick: number,
  now: number,
  pageSize = SWEEP_PAGE_SIZE,
): Promise<SweepReport> {
  const buckets = bucketsDue(tick, settings.intervalTicks);
  const report: SweepReport = { tick, buckets: buckets.length, visited: 0, expiring: 0, gone: 0, undelivered: 0 };
  const intervalMs = settings.intervalTicks * settings.tickMs;
  // The buckets at once (a Query each, then its pages in turn), their posts
  // sharing fanOutConcurrency: a run takes about as long as its largest
  // bucket, and its memory stays a few pages however large the table.
  const perBucket = Math.max(1, Math.ceil(services.fanOutConcurrency / Math.max(1, buckets.length)));
  await Promise.all(
    buckets.map(async (bucket) => {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await services.store.listKeepAliveBucket(bucket, cursor, pageSize);
        const results = await settleWithConcurrency(page.connections, perBucket, (connection) =>
          visit(services, settings, connection, now, intervalMs, report),
        );
        for (const result of results) {
          if (result.status === 'rejected') services.log.error('keep-alive visit failed', { error: result.reason });
        }
        cursor = page.cursor;
      } while (cursor);
    }),
  );
  // The peerClosed of a peer this run ended may have met other Gone connections.
  await endReportedGone(services);
  return report;
}

async function visit(
  services: RuntimeServices,
  settings: KeepAliveSettings,
  connection: KeptConnection,
  now: number,
  intervalMs: number,
  report: SweepReport,
): Promise<void> {
  const notice = expiringNotice(settings, connection, now, intervalMs);
  report.visited++;
  if (notice) report.expiring++;
  let delivery: 'sent' | 'gone';
  try {
    delivery = await services.sender.post(connection.connectionId, encode(notice ?? createNotification(settings.method)));
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) throw error;
    report.undelivered++;
    services.log.warn('keep-alive not delivered', { connectionId: connection.connectionId, error: error.message });
    return;
  }
  const { connectionId, roomId, peerId } = connection;
  if (delivery === 'gone' && (await endGonePeer(services, { connectionId, roomId, peerId }))) report.gone++;
}

/**
 * At the last visit before API Gateway's hard close (the next would come
 * after it), the connection is told when it closes instead, so an app can
 * reconnect at a quiet moment.
 */
function expiringNotice(settings: KeepAliveSettings, connection: KeptConnection, now: number, intervalMs: number) {
  if (!settings.expiring) return undefined;
  const closesInMs = connection.connectedAt + settings.expiring.maxConnectionMs - now;
  if (closesInMs <= 0 || closesInMs > intervalMs) return undefined;
  return createNotification(settings.expiring.method, { closesInMs });
}
