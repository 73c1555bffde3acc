import { describe, expect, it } from 'vitest';
import { apiId, gatewayId, logStreamSuffix, traceId } from '../../local/ids.js';

describe("the emulator's identifiers (drawn from a pool of random bytes)", () => {
  it('gives connection, request and message ids in API Gateway’s shape, never the same twice across many refills of the pool', () => {
    const ids = Array.from({ length: 5_000 }, gatewayId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives log stream suffixes, trace ids and api ids in their AWS shapes, each new', () => {
    const suffixes = Array.from({ length: 1_000 }, logStreamSuffix);
    for (const suffix of suffixes) expect(suffix).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(suffixes).size).toBe(suffixes.length);
    expect(traceId(Date.parse('2026-11-30T12:00:00Z'))).toMatch(/^Root=1-6b0d6540-[0-9a-f]{24}$/);
    expect(apiId()).toMatch(/^[a-z0-9]{10}$/);
  });
});
