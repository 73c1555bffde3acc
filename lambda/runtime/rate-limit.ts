/**
 * A token bucket per connection, kept in this container's memory: no AWS
 * call, a few arithmetic operations per message. It is approximate across
 * containers: API Gateway spreads one connection's messages over whatever
 * warm Lambda containers are free, each with its own buckets, so a client
 * that keeps several containers busy gets up to that many times the limit.
 * The stage throttle and the function's concurrency bound the rest.
 */
export interface RateLimitSettings {
  /** Tokens added per second: the sustained rate. 0 turns the limit off. */
  perSecond: number;
  /** Bucket size: messages a connection may send at once after a quiet spell. */
  burst: number;
  /**
   * Refused messages that, piled up faster than `perSecond` drains them,
   * close the connection (the client sends over twice the rate, for long
   * enough). 0 never closes.
   */
  closeAfter: number;
}

/** Generous for signaling: a join and a whole ICE trickle burst fit in the bucket. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { perSecond: 20, burst: 100, closeAfter: 200 };

/** At most one log line per connection this often while it is being refused. */
export const REPORT_EVERY_MS = 10_000;

export type Verdict =
  | { kind: 'pass' }
  /** Refused. `report`: how many were refused since the last log line, when one is due. */
  | { kind: 'limited'; report?: number }
  /** Refused, and far enough over the limit to close the connection (said once). */
  | { kind: 'close'; refused: number }
  /** Already closed by the limiter: drop without a word. */
  | { kind: 'closed' };

interface Bucket {
  tokens: number;
  /** Refused messages not yet drained at `perSecond`. */
  excess: number;
  updatedAt: number;
  closed: boolean;
  refusedSinceReport: number;
  reportedAt: number;
}

const PASS: Verdict = { kind: 'pass' };
const CLOSED: Verdict = { kind: 'closed' };

/**
 * One per container. Bounded: every use moves a bucket to the end of the
 * map, so the oldest is first; it is dropped once idle long enough to be
 * full again (dropping it then changes nothing), or at `maxEntries` anyway.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.buckets.size;
  }

  /** A request, notification or junk: spends a token, or is refused. */
  take(key: string, now: number, settings: RateLimitSettings): Verdict {
    const bucket = this.bucket(key, now, settings);
    if (bucket.closed) return CLOSED;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return PASS;
    }
    return this.refuse(bucket, now, settings);
  }

  /**
   * A response (an answer to the server's request) is never refused: it
   * only spends a token if there is one, so answers count toward the rate
   * of the client's own requests. Only a connection the limiter closed
   * has its answers dropped.
   */
  charge(key: string, now: number, settings: RateLimitSettings): Verdict {
    const bucket = this.bucket(key, now, settings);
    if (bucket.closed) return CLOSED;
    if (bucket.tokens >= 1) bucket.tokens -= 1;
    return PASS;
  }

  /**
   * A response that answered nothing, sent with the bucket empty: counts
   * as refused, so a flood of made-up answers is closed like any other.
   */
  strike(key: string, now: number, settings: RateLimitSettings): Verdict {
    const bucket = this.bucket(key, now, settings);
    if (bucket.closed) return CLOSED;
    return bucket.tokens >= 1 ? PASS : this.refuse(bucket, now, settings);
  }

  private refuse(bucket: Bucket, now: number, settings: RateLimitSettings): Verdict {
    bucket.excess += 1;
    bucket.refusedSinceReport += 1;
    if (settings.closeAfter > 0 && bucket.excess >= settings.closeAfter) {
      bucket.closed = true;
      return { kind: 'close', refused: bucket.refusedSinceReport };
    }
    if (now - bucket.reportedAt < REPORT_EVERY_MS) return { kind: 'limited' };
    const report = bucket.refusedSinceReport;
    bucket.refusedSinceReport = 0;
    bucket.reportedAt = now;
    return { kind: 'limited', report };
  }

  /** The key's bucket, refilled to `now`, and now the most recently used. */
  private bucket(key: string, now: number, settings: RateLimitSettings): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      const refill = (Math.max(0, now - bucket.updatedAt) / 1000) * settings.perSecond;
      bucket.tokens = Math.min(settings.burst, bucket.tokens + refill);
      bucket.excess = Math.max(0, bucket.excess - refill);
      bucket.updatedAt = now;
      this.buckets.delete(key);
    } else {
      bucket = { tokens: settings.burst, excess: 0, updatedAt: now, closed: false, refusedSinceReport: 0, reportedAt: -Infinity };
      this.evict(now, settings);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Before adding a bucket: drop the oldest if it is settled (at most two, to stay O(1)) or the map is full. */
  private evict(now: number, settings: RateLimitSettings): void {
    const settledAfterMs = (Math.max(settings.burst, settings.closeAfter, 1) / settings.perSecond) * 1000 + REPORT_EVERY_MS;
    for (let i = 0; i < 2; i++) {
      const oldest = this.buckets.entries().next().value;
      if (!oldest) return;
      const [key, bucket] = oldest;
      if (now - bucket.updatedAt < settledAfterMs && this.buckets.size < this.maxEntries) return;
      this.buckets.delete(key);
    }
  }
}
