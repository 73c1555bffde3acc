import { describe, expect, it } from 'vitest';
import { bucketOf, bucketsDue, KEEP_ALIVE_BUCKETS, tickAt } from '../../../lambda/keep-alive/buckets.js';
import { keepAliveSettingsFromEnv } from '../../../lambda/keep-alive/settings.js';

describe('keep-alive buckets', () => {
  it('gives every connectionId a stable bucket from 0 to 59, spread evenly', () => {
    const counts = new Array(KEEP_ALIVE_BUCKETS).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const id = `${i.toString(36)}Xk2=`; // API Gateway ids look like "Ab3dEfGhIjKlMnO="
      const bucket = bucketOf(id);
      expect(bucket).toBe(bucketOf(id));
      counts[bucket]++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  it.each([1, 7, 8, 9, 13, 60, 61])('visits each bucket exactly once in any %i consecutive ticks', (intervalTicks) => {
    for (const start of [0, 5, 123_456]) {
      const visits = new Array(KEEP_ALIVE_BUCKETS).fill(0);
      for (let tick = start; tick < start + intervalTicks; tick++) for (const bucket of bucketsDue(tick, intervalTicks)) visits[bucket]++;
      expect(visits.every((count) => count === 1)).toBe(true);
    }
  });

  it('numbers ticks from the schedule time', () => {
    expect(tickAt(Date.parse('2026-11-30T10:07:00Z'), 60_000)).toBe(tickAt(Date.parse('2026-11-30T10:07:59.999Z'), 60_000));
    expect(tickAt(Date.parse('2026-11-30T10:08:00Z'), 60_000)).toBe(tickAt(Date.parse('2026-11-30T10:07:00Z'), 60_000) + 1);
  });
});

describe('keep-alive settings', () => {
  it('defaults to a notification every 8 one-minute ticks and the 2 h notice', () => {
    expect(keepAliveSettingsFromEnv({})).toEqual({
      enabled: true,
      tickMs: 60_000,
      intervalTicks: 8,
      method: 'serverKeepAlive',
      expiring: { method: 'connectionExpiring', maxConnectionMs: 7_200_000 },
    });
  });

  it('reads the interval, method, notice and off switch', () => {
    const settings = keepAliveSettingsFromEnv({
      KEEP_ALIVE_TICK_MS: '450',
      KEEP_ALIVE_INTERVAL_MS: '3600',
      KEEP_ALIVE_METHOD: 'app.ping',
      CONNECTION_EXPIRING_METHOD: 'bye-soon',
      MAX_CONNECTION_MS: '60000',
    });
    expect(settings).toMatchObject({ tickMs: 450, intervalTicks: 8, method: 'app.ping', expiring: { method: 'bye-soon', maxConnectionMs: 60_000 } });
    expect(keepAliveSettingsFromEnv({ CONNECTION_EXPIRING_NOTICE: 'off' }).expiring).toBeUndefined();
    expect(keepAliveSettingsFromEnv({ KEEP_ALIVE: 'off' }).enabled).toBe(false);
  });

  it.each([
    [{ KEEP_ALIVE: 'no' }, /KEEP_ALIVE must be "on" or "off"/],
    [{ KEEP_ALIVE_INTERVAL_MS: '8 min' }, /KEEP_ALIVE_INTERVAL_MS must be a whole number/],
    [{ KEEP_ALIVE_INTERVAL_MS: '30000' }, /must be at least KEEP_ALIVE_TICK_MS/],
    [{ KEEP_ALIVE_METHOD: 'has space' }, /KEEP_ALIVE_METHOD must match/],
    [{ CONNECTION_EXPIRING_METHOD: 'x'.repeat(65) }, /CONNECTION_EXPIRING_METHOD must match/],
  ])('refuses %j', (env, message) => {
    expect(() => keepAliveSettingsFromEnv(env)).toThrow(message);
  });
});
