/**
 * Connections found Gone while an invocation runs. They are ended once,
 * after the handler has answered — not in the middle of app code: ending a
 * peer runs the app's onPeerClosed (and fails requests pending on it, which
 * runs onResponse), and that must not happen while the app is still awaiting
 * its own `peer.notify()`. Ending one may find others Gone (its peerClosed
 * meets them); each connection is ended once however often it is reported.
 */
import { settleWithConcurrency } from '../delivery/bounded-map.js';
import type { ConnectionIdentity, PeerRecord } from '../store/records.js';

export interface GoneReport {
  connectionId: string;
  /** Unknown when only the connectionId was at hand (an answer to a reply handle). */
  identity?: ConnectionIdentity;
  /** The binding as the reporter read it, if it did. */
  record?: PeerRecord;
  /** The reporter already ruled out a connection still inside $connect. */
  confirmed?: boolean;
}

export class GoneLedger {
  readonly #found = new Map<string, GoneReport>();
  readonly #taken = new Set<string>();

  report(report: GoneReport): void {
    if (this.#taken.has(report.connectionId)) return;
    const known = this.#found.get(report.connectionId);
    // Keep what is known: a later report may carry less (only the id).
    this.#found.set(report.connectionId, { ...report, ...known, confirmed: Boolean(known?.confirmed || report.confirmed) });
  }

  get pending(): number {
    return this.#found.size;
  }

  /** Runs `end` for every report, and for those reported meanwhile, until none is left; returns the failures. */
  async endAll(end: (report: GoneReport) => Promise<void>, concurrency: number): Promise<unknown[]> {
    const failures: unknown[] = [];
    while (this.#found.size > 0) {
      const batch = [...this.#found.values()];
      this.#found.clear();
      for (const { connectionId } of batch) this.#taken.add(connectionId);
      for (const result of await settleWithConcurrency(batch, concurrency, end)) {
        if (result.status === 'rejected') failures.push(result.reason);
      }
    }
    return failures;
  }
}
