/**
 * The replacement backoff's environment variables at their edges: each
 * bound the error messages state (≥ 0, ≥ 1, cap ≥ first window) is itself
 * accepted, and a variable set to nothing (as a template or a shell leaves
 * it) means the default, not 0.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPLACEMENT_BACKOFF } from '../../../lambda/runtime/replacement-backoff.js';
import { replacementBackoffFromEnv } from '../../../lambda/runtime/replacement-backoff-settings.js';

describe('replacement backoff settings at their bounds', () => {
  it('accepts a first window of 0 (no protection)', () => {
    expect(replacementBackoffFromEnv({ REPLACEMENT_BACKOFF_FIRST_MS: '0' })).toEqual({ ...DEFAULT_REPLACEMENT_BACKOFF, firstWindowMs: 0 });
  });

  it('accepts a growth of 1 (every window the same length)', () => {
    expect(replacementBackoffFromEnv({ REPLACEMENT_BACKOFF_GROWTH: '1' })).toEqual({ ...DEFAULT_REPLACEMENT_BACKOFF, growth: 1 });
  });

  it('accepts a cap equal to the first window', () => {
    expect(replacementBackoffFromEnv({ REPLACEMENT_BACKOFF_FIRST_MS: '5000', REPLACEMENT_BACKOFF_CAP_MS: '5000' })).toEqual({
      ...DEFAULT_REPLACEMENT_BACKOFF,
      firstWindowMs: 5_000,
      capMs: 5_000,
    });
  });
});

describe('a variable set to nothing', () => {
  it.each([
    ['empty', ''],
    ['blank', '  '],
  ])('%s means the default, for each of the three', (_name, raw) => {
    expect(
      replacementBackoffFromEnv({ REPLACEMENT_BACKOFF_FIRST_MS: raw, REPLACEMENT_BACKOFF_GROWTH: raw, REPLACEMENT_BACKOFF_CAP_MS: raw }),
    ).toEqual(DEFAULT_REPLACEMENT_BACKOFF);
  });
});
