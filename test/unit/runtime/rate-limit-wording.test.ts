/**
 * What a flooding client sees and what the logs keep, in
 * lambda/runtime/rate-limit-gate.ts's own words: the 429's reason as sent on
 * the wire, and the message that closes the connection logged at debug like
 * every other refused one, and the warning that it was closed names the
 * connection.
 */
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { createHarness, messageEvent } from '../support/harness.js';

const getPeers = (id: number) => ({ request: true, id, method: 'getPeers', data: {} });

describe('a client over the rate limit', () => {
  it("is answered 429 'too many messages, slow down', and the message that closes it is logged at debug", async () => {
    const h = createHarness(roomRelay, { env: { TABLE_NAME: 'protoo', RATE_LIMIT_BURST: '1', RATE_LIMIT_CLOSE_AFTER: '1' } });
    h.givenConnection('c1', 'room1', 'alice');
    h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1', enrolled: true }]);
    await h.handlers.message(messageEvent('c1', getPeers(1)));
    await h.handlers.message(messageEvent('c1', getPeers(2)));
    await h.handlers.message(messageEvent('c1', getPeers(3)));

    expect(h.postedTo('c1').slice(1)[0]).toEqual({ response: true, id: 2, ok: false, errorCode: 429, errorReason: 'too many messages, slow down' });
    const refused = h.logs.filter((line) => line.message === 'message' && String(line.outcome).startsWith('rate-limited'));
    expect(refused.map((line) => [line.outcome, line.level])).toContainEqual(['rate-limited-closed', 'debug']);
    expect(h.logs.find((line) => line.message === 'rate limit: far over, closing the connection')).toMatchObject({ level: 'warn', connectionId: 'c1', refused: expect.any(Number) });
  });
});
