/**
 * The warm Lambda's connectionId → identity cache holds at most its bound,
 * dropping the least recently stored entry first; storing an entry again
 * makes it the most recent.
 */
import { describe, expect, it } from 'vitest';
import { createIdentityCache } from '../../../lambda/runtime/identity-cache.js';

const identity = (connectionId: string) => ({ connectionId, roomId: 'r', peerId: `p-${connectionId}` });

describe('identity cache bound', () => {
  it('holds exactly its bound', () => {
    const cache = createIdentityCache(2);
    cache.set(identity('a'));
    cache.set(identity('b'));
    expect([cache.get('a'), cache.get('b')]).toEqual([identity('a'), identity('b')]);
    cache.set(identity('c'));
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, identity('b'), identity('c')]);
  });

  it('drops the least recently stored entry, counting a store again as recent', () => {
    const cache = createIdentityCache(2);
    cache.set(identity('a'));
    cache.set(identity('b'));
    cache.set(identity('a'));
    cache.set(identity('c'));
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([identity('a'), undefined, identity('c')]);
  });

  it('forgets a deleted connection, and keeps 10,000 by default', () => {
    const cache = createIdentityCache();
    for (let i = 0; i < 10_000; i++) cache.set(identity(`c${i}`));
    expect(cache.get('c0')).toEqual(identity('c0'));
    cache.delete('c0');
    expect(cache.get('c0')).toBeUndefined();
    cache.set(identity('c0'));
    cache.set(identity('c10000'));
    expect(cache.get('c1')).toBeUndefined();
    expect(cache.get('c2')).toEqual(identity('c2'));
  });
});
