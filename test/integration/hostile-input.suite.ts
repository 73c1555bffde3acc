/**
 * Hostile input against the room-relay app (issue 7 §3): a client's own bad
 * input is a 400/404 with nothing stored, never a 500; internal errors never
 * leak their text. Filled in by the hostile-input work.
 */
import { describe, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';

export function hostileInputSuite(engine: () => RunningEngine): void {
  describe('hostile input', () => {
    it('has an engine', () => {
      if (!engine) throw new Error('no engine');
    });
  });
}
