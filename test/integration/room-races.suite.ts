/**
 * Room races (issue 7 §1, §2): joins racing their own end, replacement
 * storms, capacity. Filled in by the room-races work.
 */
import { describe, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';

export function roomRacesSuite(engine: () => RunningEngine): void {
  describe('room races', () => {
    it('has an engine', () => {
      if (!engine) throw new Error('no engine');
    });
  });
}
