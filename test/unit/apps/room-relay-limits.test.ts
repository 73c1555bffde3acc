/**
 * The room relay's capacity from the environment (lambda/apps/room-relay/limits.ts):
 * defaults when unset, whole numbers only, and never a pair of limits whose
 * full-room peer list would outgrow API Gateway's 128 KB message.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, largestAnswerBytes, limitsFromEnv } from '../../../lambda/apps/room-relay/limits.js';
import { MAX_MESSAGE_BYTES } from '../../../lambda/protocol/encode.js';

describe('room relay limits from the environment', () => {
  it('are 100 peers of 1024 bytes when unset or empty, and that full room fits one message', () => {
    expect(limitsFromEnv({})).toEqual({ maxPeers: 100, maxInfoBytes: 1024 });
    expect(limitsFromEnv({ ROOM_MAX_PEERS: '', PEER_INFO_MAX_BYTES: '' })).toEqual(DEFAULT_LIMITS);
    expect(largestAnswerBytes(DEFAULT_LIMITS)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('take what is set, up to the largest pair that still fits', () => {
    expect(limitsFromEnv({ ROOM_MAX_PEERS: '500', PEER_INFO_MAX_BYTES: '160' })).toEqual({ maxPeers: 500, maxInfoBytes: 160 });
    expect(limitsFromEnv({ ROOM_MAX_PEERS: '1', PEER_INFO_MAX_BYTES: '2' })).toEqual({ maxPeers: 1, maxInfoBytes: 2 });
  });

  it.each([
    [{ ROOM_MAX_PEERS: 'abc' }, 'ROOM_MAX_PEERS must be a whole number, got "abc"'],
    [{ ROOM_MAX_PEERS: '-3' }, 'ROOM_MAX_PEERS must be a whole number'],
    [{ ROOM_MAX_PEERS: '1.5' }, 'ROOM_MAX_PEERS must be a whole number'],
    [{ ROOM_MAX_PEERS: '0' }, 'ROOM_MAX_PEERS must be a whole number ≥ 1, got 0'],
    [{ PEER_INFO_MAX_BYTES: '1' }, 'PEER_INFO_MAX_BYTES must be a whole number ≥ 2, got 1'],
    [{ ROOM_MAX_PEERS: '1000', PEER_INFO_MAX_BYTES: '1024' }, /allows a \d+-byte peer list, over API Gateway's 131072-byte message limit/],
  ])('refuse %j in one line', (env, message) => {
    expect(() => limitsFromEnv(env)).toThrow(message);
    expect(() => limitsFromEnv(env)).toThrow(/^[^\n]+$/);
  });
});
