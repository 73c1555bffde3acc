import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplacementRefusedError } from '../../lambda/store/errors.js';
import { StateStore } from '../../lambda/store/state-store.js';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table.js';

// The bind's condition and the protecting update, as dynalite evaluates them.
let table: DynaliteTable;
let roomCounter = 0;
const newRoom = () => `backoff-room-${++roomCounter}`;
const storeAt = (nowMs: number) => new StateStore(table.documentClient, table.tableName, () => nowMs);
const T = Date.now();

beforeAll(async () => {
  table = await startDynaliteTable();
});
afterAll(async () => {
  await table.close();
});

describe('binding under a replacement backoff', () => {
  it('refuses to replace a protected binding until its window ends, writing nothing meanwhile', async () => {
    const roomId = newRoom();
    const current = { connectionId: 'current', roomId, peerId: 'pat' };
    await storeAt(T).bindPeer(current, { mine: true });
    expect(await storeAt(T).protectBinding(current, { streak: 2, replaceableAfter: T + 8_000 })).toBe(true);

    const rival = { connectionId: 'rival', roomId, peerId: 'pat' };
    await expect(storeAt(T + 7_999).bindPeer(rival, { theirs: true })).rejects.toThrow(ReplacementRefusedError);
    expect(await storeAt(T + 7_999).getPeer(roomId, 'pat')).toMatchObject({
      connectionId: 'current',
      data: { mine: true },
      backoff: { streak: 2, replaceableAfter: T + 8_000 },
    });

    // Once the window ends the replacement goes through and returns the old backoff, for the next one's arithmetic.
    const replaced = await storeAt(T + 8_000).bindPeer(rival, { theirs: true });
    expect(replaced).toMatchObject({ connectionId: 'current', backoff: { streak: 2, replaceableAfter: T + 8_000 } });
    // The new binding starts unprotected.
    const now = await storeAt(T + 8_000).getPeer(roomId, 'pat');
    expect(now).toMatchObject({ connectionId: 'rival', data: { theirs: true } });
    expect(now).not.toHaveProperty('backoff');
  });

  it('an unprotected binding is replaced at once', async () => {
    const roomId = newRoom();
    await storeAt(T).bindPeer({ connectionId: 'first', roomId, peerId: 'quinn' });
    const replaced = await storeAt(T).bindPeer({ connectionId: 'second', roomId, peerId: 'quinn' });
    expect(replaced).toMatchObject({ connectionId: 'first' });
    expect(replaced).not.toHaveProperty('backoff');
  });

  it('the protected connection itself may bind again, and an expired protected binding is no obstacle', async () => {
    const roomId = newRoom();
    const me = { connectionId: 'me', roomId, peerId: 'rae' };
    await storeAt(T).bindPeer(me);
    await storeAt(T).protectBinding(me, { streak: 4, replaceableAfter: T + 120_000 });
    expect(await storeAt(T + 1).bindPeer(me)).toBeUndefined();

    const roomId2 = newRoom();
    const old = { connectionId: 'old', roomId: roomId2, peerId: 'sam' };
    await storeAt(T).bindPeer(old);
    await storeAt(T).protectBinding(old, { streak: 1, replaceableAfter: T + 3 * 3600_000 });
    // Past its TTL (2 h 10 min) the item is treated as absent, protection and all.
    expect(await storeAt(T + 3 * 3600_000 - 1).bindPeer({ connectionId: 'new', roomId: roomId2, peerId: 'sam' })).toBeUndefined();
  });

  it('protects only a binding its connection still owns, and never brings back a removed one', async () => {
    const roomId = newRoom();
    const late = { connectionId: 'late', roomId, peerId: 'tia' };
    await storeAt(T).bindPeer(late);
    await storeAt(T).bindPeer({ connectionId: 'newer', roomId, peerId: 'tia' });
    expect(await storeAt(T).protectBinding(late, { streak: 1, replaceableAfter: T + 2_000 })).toBe(false);
    expect((await storeAt(T).getPeer(roomId, 'tia'))?.backoff).toBeUndefined();

    const gone = { connectionId: 'gone', roomId, peerId: 'uma' };
    await storeAt(T).bindPeer(gone);
    await storeAt(T).unbindPeer(gone);
    expect(await storeAt(T).protectBinding(gone, { streak: 1, replaceableAfter: T + 2_000 })).toBe(false);
    expect(await storeAt(T).getPeer(roomId, 'uma')).toBeUndefined();
  });

  it('of racing replacements of a protected binding, none gets through and the holder keeps the peer', async () => {
    const roomId = newRoom();
    const holder = { connectionId: 'holder', roomId, peerId: 'val' };
    await storeAt(T).bindPeer(holder);
    await storeAt(T).protectBinding(holder, { streak: 1, replaceableAfter: T + 2_000 });
    const racers = Array.from({ length: 8 }, (_, i) => ({ connectionId: `racer-${i}`, roomId, peerId: 'val' }));
    const early = await Promise.allSettled(racers.map((racer) => storeAt(T + 1_000).bindPeer(racer)));
    expect(early.every((result) => result.status === 'rejected' && result.reason instanceof ReplacementRefusedError)).toBe(true);
    expect((await storeAt(T + 1_000).getPeer(roomId, 'val'))?.connectionId).toBe('holder');
  });
});
