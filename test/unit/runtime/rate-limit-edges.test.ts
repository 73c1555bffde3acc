/**
 * The token bucket at its edges, with time injected (no sleeps): answers
 * sent with an empty bucket put the client in no debt, an unmatched answer
 * with exactly one token left passes, a closed connection stays closed for
 * unmatched answers too, and an idle bucket is kept exactly until it has
 * settled — no sooner (a flood could wipe its record by pausing), no later
 * (memory) — with at most two dropped per new connection.
 */
import { describe, expect, it } from 'vitest';
import { RateLimiter, REPORT_EVERY_MS, type RateLimitSettings } from '../../../lambda/runtime/rate-limit.js';

const T0 = 1_000_000;
const settings: RateLimitSettings = { perSecond: 10, burst: 5, closeAfter: 20 };
/** With `settings`: an excess of closeAfter (20) drains at 10/s in 2 s, then the report period must pass too. */
const SETTLED_MS = 2_000 + REPORT_EVERY_MS;

function takes(limiter: RateLimiter, key: string, count: number, now: number, limits = settings): string[] {
  return Array.from({ length: count }, () => limiter.take(key, now, limits).kind);
}

describe('responses at the edges of the bucket', () => {
  it('an answer sent with the bucket empty puts the client in no debt: the next refilled token is its own', () => {
    const limiter = new RateLimiter();
    expect(takes(limiter, 'c', 5, T0)).toEqual(Array(5).fill('pass'));
    for (let i = 0; i < 5; i++) expect(limiter.charge('c', T0, settings).kind).toBe('pass');
    // 0.1 s at 10/s: one token, whatever was answered while the bucket was empty.
    expect(limiter.take('c', T0 + 100, settings).kind).toBe('pass');
    expect(limiter.take('c', T0 + 100, settings).kind).toBe('limited');
  });

  it('an unmatched answer with exactly one token left passes and spends nothing', () => {
    const limiter = new RateLimiter();
    takes(limiter, 'c', 4, T0);
    expect(limiter.strike('c', T0, settings).kind).toBe('pass');
    expect(takes(limiter, 'c', 2, T0)).toEqual(['pass', 'limited']);
  });

  it('a connection the limiter closed has its unmatched answers dropped too, even after a quiet spell', () => {
    const limiter = new RateLimiter();
    expect(takes(limiter, 'c', 25, T0).at(-1)).toBe('close');
    expect(limiter.strike('c', T0 + 60_000, settings).kind).toBe('closed');
  });
});

describe('how long an idle bucket is kept', () => {
  it('keeps an idle bucket until it has settled, and drops it (when a new connection comes) the moment it has', () => {
    const before = new RateLimiter();
    before.take('old', T0, settings);
    before.take('new', T0 + SETTLED_MS - 1, settings);
    expect(before.size).toBe(2);

    const at = new RateLimiter();
    at.take('old', T0, settings);
    at.take('new', T0 + SETTLED_MS, settings);
    expect(at.size).toBe(1);
  });

  it('a flood cannot wipe its record by pausing while other connections come: its excess is kept until drained', () => {
    // 1/s, bucket of 1, closed at an excess of 100: the excess takes 100 s to drain.
    const slow: RateLimitSettings = { perSecond: 1, burst: 1, closeAfter: 100 };
    const limiter = new RateLimiter();
    const flood = takes(limiter, 'c', 100, T0, slow);
    expect(flood.filter((kind) => kind === 'limited')).toHaveLength(99);
    // 11 s of silence drains 11 of the 99; meanwhile another connection arrives.
    limiter.take('other', T0 + 11_000, slow);
    // The refilled token passes; 88 + 12 refusals reach 100 and close it.
    const resumed = takes(limiter, 'c', 13, T0 + 11_000, slow);
    expect(resumed).toEqual(['pass', ...Array(11).fill('limited'), 'close']);
  });

  it('drops at most two settled buckets per new connection, so a connect never walks the whole map', () => {
    const limiter = new RateLimiter();
    for (const key of ['a', 'b', 'c', 'd', 'e']) limiter.take(key, T0, settings);
    const sizes = ['n1', 'n2', 'n3'].map((key) => {
      limiter.take(key, T0 + SETTLED_MS, settings);
      return limiter.size;
    });
    // n1 drops a and b; n2 drops c and d; n3 drops e and stops at n1, which is not settled.
    expect(sizes).toEqual([4, 3, 3]);
  });
});
