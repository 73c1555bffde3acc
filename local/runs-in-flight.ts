/**
 * Handler runs not yet returned, so that a stack that stops can wait for
 * them before its DynamoDB engine goes (a run cut off mid-way meets a closed
 * engine). Used by the route invoker and the keep-alive schedule.
 */
export class RunsInFlight {
  private readonly running = new Set<Promise<unknown>>();
  /** When a run last started or settled (ms since epoch). */
  lastActivity = 0;

  /** Tracks `run` until it settles; returns it. */
  track<T>(run: Promise<T>): Promise<T> {
    this.running.add(run);
    this.lastActivity = Date.now();
    const forget = () => {
      this.running.delete(run);
      this.lastActivity = Date.now();
    };
    run.then(forget, forget);
    return run;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once every run tracked so far has settled, or at `deadline` (ms since epoch). */
  async idle(deadline: number): Promise<void> {
    while (this.running.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }
}
