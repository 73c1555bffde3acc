import { describe, expect, it } from 'vitest';
import { settleWithConcurrency } from '../../lambda/delivery/bounded-map.js';
import { isGoneError } from '../../lambda/delivery/is-gone.js';
import { managementEndpoint } from '../../lambda/delivery/management-endpoint.js';
import { createIdentityCache } from '../../lambda/runtime/identity-cache.js';

describe('managementEndpoint', () => {
  it('follows the domain and stage of the event (custom domains work)', () => {
    expect(managementEndpoint({ domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'prod' }, undefined)).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod');
    expect(managementEndpoint({ domainName: 'ws.example.com', stage: 'live' }, undefined)).toBe('https://ws.example.com/live');
  });

  it('lets configuration win, without a trailing slash', () => {
    expect(managementEndpoint({ domainName: 'x', stage: 'y' }, 'https://signal.example.com/')).toBe('https://signal.example.com');
  });

  it('speaks http to a loopback local stack', () => {
    expect(managementEndpoint({ domainName: '127.0.0.1:8080', stage: 'local' }, undefined)).toBe('http://127.0.0.1:8080/local');
    expect(managementEndpoint({ domainName: 'localhost:9000', stage: 'dev' }, undefined)).toBe('http://localhost:9000/dev');
    expect(managementEndpoint({ domainName: '[::1]:9000', stage: 'dev' }, undefined)).toBe('http://[::1]:9000/dev');
  });

  it('fails loudly without a domain or configuration', () => {
    expect(() => managementEndpoint({}, undefined)).toThrow(/MANAGEMENT_API_ENDPOINT/);
  });
});

describe('isGoneError', () => {
  it('recognises GoneException by name or by status 410 only', () => {
    expect(isGoneError({ name: 'GoneException' })).toBe(true);
    expect(isGoneError({ name: 'Error', $metadata: { httpStatusCode: 410 } })).toBe(true);
    expect(isGoneError({ name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isGoneError(null)).toBe(false);
  });
});

describe('settleWithConcurrency', () => {
  it('runs every task despite failures and keeps results in order', async () => {
    const results = await settleWithConcurrency([1, 2, 3, 4], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n * 10;
    });
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([10, 'two', 30, 40]);
  });

  it('handles no items', async () => {
    expect(await settleWithConcurrency([], 4, async () => 1)).toEqual([]);
  });
});

describe('identity cache', () => {
  it('evicts the oldest entry past its bound', () => {
    const cache = createIdentityCache(2);
    for (const connectionId of ['a', 'b', 'c']) cache.set({ connectionId, roomId: 'r', peerId: connectionId });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')?.peerId).toBe('c');
  });
});
