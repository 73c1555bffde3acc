/**
 * The keep-alive sweep against the real keepAlive index (embedded dynalite,
 * the table schema CDK deploys), with the real room relay: which
 * connections each tick visits, paging through a large bucket, and what a
 * Gone, a failed post and a connection near its 2 h close lead to.
 */
import { describe, expect, it } from 'vitest';
import { createRoomRelay } from '../../lambda/apps/room-relay.js';
import { DeliveryFailedError } from '../../lambda/delivery/delivery-failed.js';
import { bucketOf, KEEP_ALIVE_BUCKETS } from '../../lambda/keep-alive/buckets.js';
import type { KeepAliveSettings } from '../../lambda/keep-alive/settings.js';
import { sweep } from '../../lambda/keep-alive/sweep.js';
import { createLogger } from '../../lambda/log.js';
import { appObjectsFor } from '../../lambda/runtime/app-objects.js';
import { GoneLedger } from '../../lambda/runtime/gone-ledger.js';
import { createIdentityCache } from '../../lambda/runtime/identity-cache.js';
import type { MessageSender, RuntimeServices } from '../../lambda/runtime/ports.js';
import { StateStore } from '../../lambda/store/state-store.js';
import { useDynaliteTable } from '../support/dynalite-table.js';

const table = useDynaliteTable('keep-alive-test');

const INTERVAL_TICKS = 8;
const settings: KeepAliveSettings = {
  enabled: true,
  tickMs: 60_000,
  intervalTicks: INTERVAL_TICKS,
  method: 'serverKeepAlive',
  expiring: { method: 'connectionExpiring', maxConnectionMs: 2 * 3600_000 },
};

let prefixCounter = 0;
/** `count` connection ids that hash to `bucket`, unique to this test. */
function idsInBucket(bucket: number, count: number): string[] {
  const prefix = `t${++prefixCounter}-`;
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (bucketOf(`${prefix}${i}`) === bucket) ids.push(`${prefix}${i}`);
  return ids;
}

type Posted = { connectionId: string; message: { method?: string; data?: Record<string, unknown> } };

/** The delivery port: records posts; `answers` decides what a connection answers. */
function recordingSender(answers: (connectionId: string) => 'sent' | 'gone' | 'fail' = () => 'sent') {
  const posted: Posted[] = [];
  const sender: MessageSender = {
    async post(connectionId, message) {
      const answer = answers(connectionId);
      if (answer === 'fail') throw new DeliveryFailedError(connectionId, 'timed out');
      posted.push({ connectionId, message: message.message as Posted['message'] });
      return answer;
    },
    async close() {},
  };
  return { sender, posted };
}

function servicesWith(sender: MessageSender, now = Date.now()): RuntimeServices {
  const services: Omit<RuntimeServices, 'objects'> = {
    app: createRoomRelay(),
    store: new StateStore(table.tableClient, table.tableName, () => now),
    sender,
    log: createLogger('silent'),
    identities: createIdentityCache(),
    fanOutConcurrency: 4,
    now: () => now,
    gone: new GoneLedger(),
  };
  return Object.assign(services, { objects: appObjectsFor(services as RuntimeServices) });
}

/** The tick (at the 1-minute schedule) that visits `bucket`. */
const tickFor = (bucket: number, cycle = 1000) => cycle * INTERVAL_TICKS + (bucket % INTERVAL_TICKS);

describe('the keep-alive sweep', () => {
  it('visits every connection exactly once per interval, whatever its bucket', async () => {
    const store = new StateStore(table.tableClient, table.tableName);
    const roomId = 'every-bucket';
    const ids = Array.from({ length: KEEP_ALIVE_BUCKETS }, (_, bucket) => idsInBucket(bucket, 1)[0]);
    for (const connectionId of ids) await store.putConnection({ connectionId, roomId, peerId: connectionId });

    const { sender, posted } = recordingSender();
    for (let tick = 8000; tick < 8000 + INTERVAL_TICKS; tick++) await sweep(servicesWith(sender), settings, tick, Date.now());

    const visits = posted.filter(({ connectionId }) => ids.includes(connectionId));
    expect(visits.map(({ connectionId }) => connectionId).sort()).toEqual([...ids].sort());
    expect(visits.every(({ message }) => message.method === 'serverKeepAlive')).toBe(true);
  });

  it('pages through a bucket larger than a page, visiting each connection once', async () => {
    const bucket = 13;
    const ids = idsInBucket(bucket, 31);
    const store = new StateStore(table.tableClient, table.tableName);
    for (const connectionId of ids) await store.putConnection({ connectionId, roomId: 'big-bucket', peerId: connectionId });

    const { sender, posted } = recordingSender();
    const report = await sweep(servicesWith(sender), settings, tickFor(bucket), Date.now(), 7);

    const ours = posted.filter(({ connectionId }) => ids.includes(connectionId)).map(({ connectionId }) => connectionId);
    expect(ours.sort()).toEqual([...ids].sort());
    expect(report.visited).toBeGreaterThanOrEqual(31);
  });

  it('leaves out deleted connections and those past their TTL', async () => {
    const bucket = 21;
    const [live, deleted, expired] = idsInBucket(bucket, 3);
    const now = Date.now();
    await new StateStore(table.tableClient, table.tableName).putConnection({ connectionId: live, roomId: 'r', peerId: 'live' });
    await new StateStore(table.tableClient, table.tableName).putConnection({ connectionId: deleted, roomId: 'r', peerId: 'deleted' });
    await new StateStore(table.tableClient, table.tableName).deleteConnection(deleted);
    await new StateStore(table.tableClient, table.tableName, () => now - 3 * 3600_000).putConnection({ connectionId: expired, roomId: 'r', peerId: 'expired' });

    const { sender, posted } = recordingSender();
    await sweep(servicesWith(sender), settings, tickFor(bucket), now);
    const visited = posted.map(({ connectionId }) => connectionId);
    expect(visited).toContain(live);
    expect(visited).not.toContain(deleted);
    expect(visited).not.toContain(expired);
  });

  it('ends a peer that answers Gone as $disconnect would: unbound, forgotten, peerClosed to the peers that knew it', async () => {
    const bucket = 34;
    const [gone, observer] = idsInBucket(bucket, 2);
    const roomId = 'gone-room';
    const longAgo = Date.now() - 5 * 60_000;
    const earlier = new StateStore(table.tableClient, table.tableName, () => longAgo);
    for (const [connectionId, peerId] of [[gone, 'ghost'], [observer, 'observer']]) {
      await earlier.putConnection({ connectionId, roomId, peerId });
      await earlier.bindPeer({ connectionId, roomId, peerId });
      await earlier.enroll({ connectionId, roomId, peerId });
    }

    const { sender, posted } = recordingSender((connectionId) => (connectionId === gone ? 'gone' : 'sent'));
    const services = servicesWith(sender);
    const report = await sweep(services, settings, tickFor(bucket), Date.now());

    expect(report.gone).toBe(1);
    expect(await services.store.getPeer(roomId, 'ghost')).toBeUndefined();
    expect(await services.store.getConnection(gone)).toBeUndefined();
    expect([...(await services.store.getRoster(roomId)).keys()]).toEqual(['observer']);
    expect(posted).toContainEqual({ connectionId: observer, message: expect.objectContaining({ method: 'peerClosed', data: { peerId: 'ghost' } }) });
    // The next sweep of that bucket does not find it again.
    const again = recordingSender();
    await sweep(servicesWith(again.sender), settings, tickFor(bucket, 1001), Date.now());
    expect(again.posted.map(({ connectionId }) => connectionId)).not.toContain(gone);
  });

  it('keeps a Gone connection whose binding is young enough to be still inside $connect', async () => {
    const bucket = 35;
    const [young] = idsInBucket(bucket, 1);
    const store = new StateStore(table.tableClient, table.tableName);
    await store.putConnection({ connectionId: young, roomId: 'young-room', peerId: 'newcomer' });
    await store.bindPeer({ connectionId: young, roomId: 'young-room', peerId: 'newcomer' });

    const { sender, posted } = recordingSender((connectionId) => (connectionId === young ? 'gone' : 'sent'));
    const report = await sweep(servicesWith(sender), settings, tickFor(bucket), Date.now());
    expect(posted.map(({ connectionId }) => connectionId)).toContain(young);
    expect(report.gone).toBe(0);
    expect(await store.getPeer('young-room', 'newcomer')).toMatchObject({ connectionId: young });
  });

  it('counts a post that fails (not Gone) as undelivered and keeps the peer', async () => {
    const bucket = 40;
    const [flaky] = idsInBucket(bucket, 1);
    const earlier = new StateStore(table.tableClient, table.tableName, () => Date.now() - 5 * 60_000);
    await earlier.putConnection({ connectionId: flaky, roomId: 'flaky-room', peerId: 'flaky' });
    await earlier.bindPeer({ connectionId: flaky, roomId: 'flaky-room', peerId: 'flaky' });

    const { sender } = recordingSender((connectionId) => (connectionId === flaky ? 'fail' : 'sent'));
    const services = servicesWith(sender);
    const report = await sweep(services, settings, tickFor(bucket), Date.now());
    expect(report.undelivered).toBeGreaterThanOrEqual(1);
    expect(report.gone).toBe(0);
    expect(await services.store.getPeer('flaky-room', 'flaky')).toMatchObject({ connectionId: flaky });
  });

  it('tells a connection at its last visit before the 2 h close when it closes, instead of the keep-alive', async () => {
    const bucket = 47;
    const [old, fresh] = idsInBucket(bucket, 2);
    const now = Date.now();
    const closesInMs = 5 * 60_000; // less than one 8-minute interval left
    await new StateStore(table.tableClient, table.tableName, () => now - 2 * 3600_000 + closesInMs).putConnection({ connectionId: old, roomId: 'r', peerId: 'old' });
    await new StateStore(table.tableClient, table.tableName, () => now - 3600_000).putConnection({ connectionId: fresh, roomId: 'r', peerId: 'fresh' });

    const { sender, posted } = recordingSender();
    const report = await sweep(servicesWith(sender, now), settings, tickFor(bucket), now);
    expect(posted.find(({ connectionId }) => connectionId === old)?.message).toEqual({ notification: true, method: 'connectionExpiring', data: { closesInMs } });
    expect(posted.find(({ connectionId }) => connectionId === fresh)?.message).toEqual({ notification: true, method: 'serverKeepAlive', data: {} });
    expect(report.expiring).toBe(1);

    const { sender: quiet, posted: plain } = recordingSender();
    await sweep(servicesWith(quiet, now), { ...settings, expiring: undefined }, tickFor(bucket), now);
    expect(plain.find(({ connectionId }) => connectionId === old)?.message.method).toBe('serverKeepAlive');
  });
});
