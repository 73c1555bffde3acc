/**
 * The ledger of connections found Gone during an invocation
 * (lambda/runtime/gone-ledger.ts): each is ended once however often it is
 * reported — also when ending one reports it or others again — what an
 * earlier report knew survives a later, thinner one, and endAll returns
 * exactly the endings that failed, having run the others.
 */
import { describe, expect, it } from 'vitest';
import { GoneLedger, type GoneReport } from '../../../lambda/runtime/gone-ledger.js';

const identity = (connectionId: string, peerId: string) => ({ connectionId, roomId: 'room1', peerId });

describe('GoneLedger', () => {
  it('ends each connection once, even when ending one reports it again and finds another Gone', async () => {
    const ledger = new GoneLedger();
    ledger.report({ connectionId: 'a' });
    ledger.report({ connectionId: 'a' });
    const ended: string[] = [];
    const failures = await ledger.endAll(async ({ connectionId }) => {
      ended.push(connectionId);
      // Ending a announces it to the room: that meets a itself, and b, Gone.
      if (ended.length === 1) {
        ledger.report({ connectionId: 'a' });
        ledger.report({ connectionId: 'b' });
      }
    }, 4);
    expect(ended).toEqual(['a', 'b']);
    expect(failures).toEqual([]);
    // Reported once more after it was ended: nothing left to do.
    ledger.report({ connectionId: 'b' });
    expect(ledger.pending).toBe(0);
  });

  it('keeps what an earlier report knew when a later one carries only the id, and a confirmation from either', async () => {
    const ledger = new GoneLedger();
    ledger.report({ connectionId: 'a', identity: identity('a', 'alice'), confirmed: true });
    ledger.report({ connectionId: 'a' });
    ledger.report({ connectionId: 'b', identity: identity('b', 'bob') });
    ledger.report({ connectionId: 'b', confirmed: true });
    ledger.report({ connectionId: 'c' });
    const ended: GoneReport[] = [];
    await ledger.endAll(async (report) => void ended.push(report), 1);
    expect(ended).toEqual([
      { connectionId: 'a', identity: identity('a', 'alice'), confirmed: true },
      { connectionId: 'b', identity: identity('b', 'bob'), confirmed: true },
      { connectionId: 'c', confirmed: false },
    ]);
  });

  it('runs every ending when one fails, and returns exactly the failures', async () => {
    const ledger = new GoneLedger();
    for (const connectionId of ['a', 'b', 'c']) ledger.report({ connectionId });
    const failure = new Error('DeleteConnection timed out');
    const ended: string[] = [];
    const failures = await ledger.endAll(async ({ connectionId }) => {
      ended.push(connectionId);
      if (connectionId === 'b') throw failure;
    }, 2);
    expect(ended.sort()).toEqual(['a', 'b', 'c']);
    expect(failures).toEqual([failure]);
  });
});
