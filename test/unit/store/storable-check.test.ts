import { describe, expect, it } from 'vitest';
import { UnstorableDataError, storableAttribute } from '../../../lambda/store/storable.js';

// The engine-facing behaviour is in test/store/storable-data.test.ts; these are the cases no engine is needed for.
describe('storableAttribute', () => {
  it('refuses an own __proto__ key, which the marshaller would turn into a prototype', () => {
    const data = JSON.parse('{"a":{"__proto__":{"x":1}}}');
    expect(() => storableAttribute('data', data)).toThrow(new UnstorableDataError('cannot store data.a: the key "__proto__" is not allowed'));
  });

  it('accepts objects without a prototype, and copies rather than keeping the caller’s objects', () => {
    const inner = Object.assign(Object.create(null), { k: 'v' });
    const copy = storableAttribute('data', { inner }) as Record<string, unknown>;
    expect(copy).toEqual({ inner: { k: 'v' } });
    expect(copy.inner).not.toBe(inner);
  });

  it('stops at the nesting limit on a cycle instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => storableAttribute('data', cyclic)).toThrow(/nested deeper than DynamoDB's 32 levels/);
  });

  it('keeps the reason short when the path is long', () => {
    const error = (() => {
      try {
        storableAttribute('data', { ['k'.repeat(5000)]: 1e300 });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message.length).toBeLessThan(200);
  });
});
