import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLACEMENT_BACKOFF,
  FIGHT_CONTINUES_WITHIN_MS,
  backoffAfterReplacing,
  backoffWindowMs,
  type ReplacementBackoffPolicy,
} from '../../../lambda/runtime/replacement-backoff.js';
import { replacementBackoffFromEnv } from '../../../lambda/runtime/replacement-backoff-settings.js';
import type { PeerRecord, ReplacementBackoff } from '../../../lambda/store/records.js';

const policy: ReplacementBackoffPolicy = { firstWindowMs: 2_000, growth: 4, capMs: 120_000 };
const T = 1_000_000;
const binding = (backoff?: ReplacementBackoff): PeerRecord => ({ roomId: 'r', peerId: 'p', connectionId: 'c', data: {}, version: 0, boundAt: T - 60_000, backoff });

describe('replacement backoff arithmetic', () => {
  it('grows each window by the growth factor up to the cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((streak) => backoffWindowMs(streak, policy))).toEqual([2_000, 8_000, 32_000, 120_000, 120_000, 120_000]);
    expect(backoffWindowMs(3, { firstWindowMs: 500, growth: 2, capMs: 1_500 })).toBe(1_500);
  });

  it('a first replacement (the old binding was no replacement) starts a streak of 1', () => {
    expect(backoffAfterReplacing(binding(), T, policy)).toEqual({ streak: 1, replaceableAfter: T + 2_000 });
  });

  it('replacing a replacement soon after its window ended continues the fight with a longer window', () => {
    // protoo-client's default retries land up to 8 s after the window's end.
    expect(backoffAfterReplacing(binding({ streak: 1, replaceableAfter: T - 1_000 }), T, policy)).toEqual({ streak: 2, replaceableAfter: T + 8_000 });
    expect(backoffAfterReplacing(binding({ streak: 2, replaceableAfter: T - 7_000 }), T, policy)).toEqual({ streak: 3, replaceableAfter: T + 32_000 });
    expect(backoffAfterReplacing(binding({ streak: 4, replaceableAfter: T - 60_000 }), T, policy)).toEqual({ streak: 5, replaceableAfter: T + 120_000 });
  });

  it('a binding left alone long after its window ended starts over: a lone client that moves now and then is not slowed', () => {
    expect(backoffAfterReplacing(binding({ streak: 2, replaceableAfter: T - FIGHT_CONTINUES_WITHIN_MS }), T, policy)).toEqual({ streak: 1, replaceableAfter: T + 2_000 });
    expect(backoffAfterReplacing(binding({ streak: 4, replaceableAfter: T - 120_000 }), T, policy)).toEqual({ streak: 1, replaceableAfter: T + 2_000 });
  });

  it('by default, a window outlasts protoo-client’s default retries (1+2+4+8×7 s) by the fourth replacement in a row', () => {
    const retrySpanMs = [1, 2, 4, 8, 8, 8, 8, 8, 8, 8].reduce((sum, s) => sum + s * 1000, 0);
    expect(backoffWindowMs(4, DEFAULT_REPLACEMENT_BACKOFF)).toBeGreaterThan(retrySpanMs);
  });
});

describe('replacement backoff settings', () => {
  it('defaults when unset, reads the three variables when set', () => {
    expect(replacementBackoffFromEnv({})).toEqual(DEFAULT_REPLACEMENT_BACKOFF);
    expect(replacementBackoffFromEnv({ REPLACEMENT_BACKOFF_FIRST_MS: '500', REPLACEMENT_BACKOFF_GROWTH: '2', REPLACEMENT_BACKOFF_CAP_MS: '4000' })).toEqual({
      firstWindowMs: 500,
      growth: 2,
      capMs: 4_000,
    });
  });

  it.each([
    [{ REPLACEMENT_BACKOFF_FIRST_MS: 'soon' }, /REPLACEMENT_BACKOFF_FIRST_MS must be a number/],
    [{ REPLACEMENT_BACKOFF_FIRST_MS: '-1' }, /REPLACEMENT_BACKOFF_FIRST_MS must be ≥ 0/],
    [{ REPLACEMENT_BACKOFF_GROWTH: '0.5' }, /REPLACEMENT_BACKOFF_GROWTH must be ≥ 1/],
    [{ REPLACEMENT_BACKOFF_FIRST_MS: '5000', REPLACEMENT_BACKOFF_CAP_MS: '1000' }, /REPLACEMENT_BACKOFF_CAP_MS must be ≥/],
  ])('refuses %o', (env, message) => {
    expect(() => replacementBackoffFromEnv(env)).toThrow(message);
  });
});
