/**
 * Which connections the keep-alive sweep visits on each tick.
 *
 * Every connection item gets a bucket, 0–59, from a hash of its
 * connectionId. Tick t (the schedule's t-th run, t = floor(time / tickMs))
 * visits the buckets b with b ≡ t (mod intervalTicks), so each bucket — and
 * each connection — is visited exactly every `intervalTicks` ticks, whatever
 * the interval, even one that does not divide 60 and even after it changes.
 *
 * Why a hash rather than the connect time: a burst of connects in one minute
 * then spreads over every tick instead of coming back as a burst of posts
 * every interval, and the index's writes spread over 60 partition values.
 */
export const KEEP_ALIVE_BUCKETS = 60;

/** FNV-1a over the connectionId: stable, cheap, well spread for API Gateway's ids. */
export function bucketOf(connectionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % KEEP_ALIVE_BUCKETS;
}

export function tickAt(timeMs: number, tickMs: number): number {
  return Math.floor(timeMs / tickMs);
}

/** The buckets tick `tick` visits. */
export function bucketsDue(tick: number, intervalTicks: number): number[] {
  const phase = ((tick % intervalTicks) + intervalTicks) % intervalTicks;
  const due: number[] = [];
  for (let bucket = phase; bucket < KEEP_ALIVE_BUCKETS; bucket += intervalTicks) due.push(bucket);
  return due;
}
