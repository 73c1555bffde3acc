/**
 * The per-connection token bucket, with time injected (no sleeps).
 */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../lambda/config.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, REPORT_EVERY_MS, type RateLimitSettings } from '../../../lambda/runtime/rate-limit.js';

const T0 = 1_000_000;
const settings: RateLimitSettings = { perSecond: 10, burst: 5, closeAfter: 20 };

/** Sends `count` messages from `key`, `gapMs` apart from `start`; returns the verdict kinds. */
function send(limiter: RateLimiter, key: string, count: number, gapMs: number, start = T0, limits = settings): string[] {
  return Array.from({ length: count }, (_, i) => limiter.take(key, start + i * gapMs, limits).kind);
}

describe('token bucket', () => {
  it('lets a burst through, refuses the next, and refills at the sustained rate', () => {
    const limiter = new RateLimiter();
    expect(send(limiter, 'c', 6, 0)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'limited']);
    expect(limiter.take('c', T0 + 99, settings).kind).toBe('limited');
    // 0.2 s at 10/s: two tokens.
    expect(send(limiter, 'c', 3, 0, T0 + 200)).toEqual(['pass', 'pass', 'limited']);
  });

  it('never refuses a client that keeps to the rate, however long', () => {
    const limiter = new RateLimiter();
    expect(new Set(send(limiter, 'c', 10_000, 100))).toEqual(new Set(['pass']));
  });

  it('keys are independent: one flooding connection leaves another its whole burst', () => {
    const limiter = new RateLimiter();
    send(limiter, 'flood', 50, 0);
    expect(send(limiter, 'calm', 5, 0)).toEqual(Array(5).fill('pass'));
  });

  it('defaults fit a WebRTC join and a full ICE trickle to 9 peers, then 20/s', () => {
    const limiter = new RateLimiter();
    // join + getPeers, then offer/answer and ~10 candidates to each of 9 peers inside half a second…
    const burst = send(limiter, 'c', 100, 5, T0, DEFAULT_RATE_LIMIT);
    // …then a steady 20 messages a second for a minute.
    const steady = send(limiter, 'c', 1200, 50, T0 + 1000, DEFAULT_RATE_LIMIT);
    expect(new Set([...burst, ...steady])).toEqual(new Set(['pass']));
  });
});

describe('far over the limit', () => {
  it('a flood is refused closeAfter times, then closed once, then dropped silently', () => {
    const limiter = new RateLimiter();
    const kinds = send(limiter, 'c', 40, 0);
    expect(kinds.slice(0, 5)).toEqual(Array(5).fill('pass'));
    expect(kinds.slice(5, 24)).toEqual(Array(19).fill('limited'));
    expect(kinds[24]).toBe('close');
    expect(kinds.slice(25)).toEqual(Array(15).fill('closed'));
    // Even after a quiet spell that would refill the bucket.
    expect(limiter.take('c', T0 + 5_000, settings).kind).toBe('closed');
  });

  it('twice the rate is refused in part but never closed; three times the rate is closed', () => {
    const twice = send(new RateLimiter(), 'c', 2_000, 50); // 20/s against 10/s, for 100 s
    expect(twice).toContain('limited');
    expect(twice).not.toContain('close');
    const thrice = send(new RateLimiter(), 'c', 2_000, 1000 / 30);
    const closedAt = thrice.indexOf('close');
    // 5 s of excess piling up at 10/s reaches 20 after about 2 s of refusals.
    expect(closedAt).toBeGreaterThan(40);
    expect(closedAt).toBeLessThan(120);
  });

  it('closeAfter 0 never closes', () => {
    const kinds = send(new RateLimiter(), 'c', 1_000, 0, T0, { ...settings, closeAfter: 0 });
    expect(kinds).not.toContain('close');
    expect(kinds.at(-1)).toBe('limited');
  });

  it('reports refusals at most once per period per connection, with the count since the last report', () => {
    const limiter = new RateLimiter();
    const limits = { ...settings, closeAfter: 0 };
    send(limiter, 'c', 5, 0, T0, limits);
    expect(limiter.take('c', T0, limits)).toEqual({ kind: 'limited', report: 1 });
    expect(limiter.take('c', T0, limits)).toEqual({ kind: 'limited' });
    for (let i = 0; i < 50; i++) limiter.take('c', T0 + 1, limits);
    // 10 s later the bucket holds 5 again: spend it, then the next refusal reports the 51 before it too.
    send(limiter, 'c', 5, 0, T0 + REPORT_EVERY_MS, limits);
    expect(limiter.take('c', T0 + REPORT_EVERY_MS, limits)).toEqual({ kind: 'limited', report: 52 });
  });
});

describe('responses', () => {
  it('are never refused, but spend the tokens requests would use', () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 100; i++) expect(limiter.charge('c', T0, settings).kind).toBe('pass');
    expect(limiter.take('c', T0, settings).kind).toBe('limited');
  });

  it('an unmatched one counts as refused only when the bucket is empty', () => {
    const limiter = new RateLimiter();
    expect(limiter.strike('c', T0, settings).kind).toBe('pass');
    for (let i = 0; i < 5; i++) limiter.charge('c', T0, settings);
    const kinds = Array.from({ length: 20 }, () => limiter.strike('c', T0, settings).kind);
    expect(kinds.slice(0, 19)).toEqual(Array(19).fill('limited'));
    expect(kinds[19]).toBe('close');
    // Closed: its answers are dropped from now on.
    expect(limiter.charge('c', T0 + 60_000, settings).kind).toBe('closed');
  });
});

describe('bounded memory', () => {
  it('drops buckets that have settled, so steady churn keeps the map small', () => {
    const limiter = new RateLimiter();
    // One new connection every second for a day, each sending a little and then nothing.
    for (let i = 0; i < 86_400; i++) send(limiter, `c${i}`, 3, 0, T0 + i * 1000);
    expect(limiter.size).toBeLessThan(60);
  });

  it('never holds more than maxEntries, dropping the least recently used', () => {
    const limiter = new RateLimiter(100);
    send(limiter, 'busy', 5, 0);
    for (let i = 0; i < 1_000; i++) {
      limiter.take(`c${i}`, T0, settings);
      if (i % 50 === 0) limiter.charge('busy', T0, settings); // keeps it recently used
    }
    expect(limiter.size).toBe(100);
    // 'busy' kept its (empty) bucket: still refused.
    expect(limiter.take('busy', T0, settings).kind).toBe('limited');
  });
});

describe('configuration', () => {
  it('defaults to generous limits, reads overrides, and refuses nonsense', () => {
    expect(readConfig({ TABLE_NAME: 't' }).rateLimit).toEqual(DEFAULT_RATE_LIMIT);
    expect(readConfig({ TABLE_NAME: 't', RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_BURST: '7', RATE_LIMIT_CLOSE_AFTER: '0' }).rateLimit).toEqual({
      perSecond: 0,
      burst: 7,
      closeAfter: 0,
    });
    expect(() => readConfig({ TABLE_NAME: 't', RATE_LIMIT_BURST: '0' })).toThrow('RATE_LIMIT_BURST must be a whole number ≥ 1, got "0"');
    expect(() => readConfig({ TABLE_NAME: 't', RATE_LIMIT_PER_SECOND: 'lots' })).toThrow('RATE_LIMIT_PER_SECOND');
    expect(() => readConfig({ TABLE_NAME: 't', RATE_LIMIT_CLOSE_AFTER: '-1' })).toThrow('RATE_LIMIT_CLOSE_AFTER');
  });
});
