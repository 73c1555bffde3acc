import type { PeerRecord, ReplacementBackoff } from '../store/records.js';

/**
 * How long a binding that replaced another is protected from being replaced
 * in turn. API Gateway cannot close with protoo's 4000, so a replaced
 * protoo-client always reconnects: two clients sharing a peerId would swap
 * forever. The first replacement is always accepted (a lone client whose old
 * connection still looks open), but the binding it creates may not be
 * replaced for `firstWindowMs`; while the swapping goes on each window is
 * `growth` times the last, up to `capMs`. A cap above protoo-client's
 * default retry span (1+2+4+8×7 = 63 s) makes the loser give up for good.
 */
export interface ReplacementBackoffPolicy {
  firstWindowMs: number;
  growth: number;
  capMs: number;
}

export const DEFAULT_REPLACEMENT_BACKOFF: ReplacementBackoffPolicy = { firstWindowMs: 2_000, growth: 4, capMs: 120_000 };

/**
 * protoo-client retries a failed handshake at most 8 s apart by default: a
 * replacement that comes within this of the previous window's end (or
 * within that window's length, if longer) is the same fight going on.
 */
export const FIGHT_CONTINUES_WITHIN_MS = 10_000;

/** The protection window of the `streak`-th replacement in a row (streak ≥ 1). */
export function backoffWindowMs(streak: number, policy: ReplacementBackoffPolicy): number {
  return Math.min(policy.firstWindowMs * policy.growth ** Math.max(0, streak - 1), policy.capMs);
}

/** The backoff a binding gets when, at `now`, it has just replaced `previous`. */
export function backoffAfterReplacing(previous: PeerRecord, now: number, policy: ReplacementBackoffPolicy): ReplacementBackoff {
  const last = previous.backoff;
  const fightGoesOn =
    last !== undefined && now - last.replaceableAfter < Math.max(backoffWindowMs(last.streak, policy), FIGHT_CONTINUES_WITHIN_MS);
  const streak = fightGoesOn ? last.streak + 1 : 1;
  return { streak, replaceableAfter: now + backoffWindowMs(streak, policy) };
}
