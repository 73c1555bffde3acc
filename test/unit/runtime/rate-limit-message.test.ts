/**
 * $default over the rate limit: refused before anything reads DynamoDB.
 * The harness's clock stands still, so the bucket never refills here.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { roomRelay } from '../../../lambda/apps/room-relay.js';
import { RATE_LIMITED_REASON } from '../../../lambda/runtime/rate-limit-gate.js';
import { pendingRequestKey } from '../../../lambda/store/keys.js';
import { createHarness, messageEvent, NOW } from '../support/harness.js';

/** A joined peer on a harness whose connections may send `burst` messages, closed after `closeAfter` refused. */
function limitedHarness(app: App, burst: number, closeAfter: number) {
  const h = createHarness(app, { env: { TABLE_NAME: 'protoo', RATE_LIMIT_BURST: String(burst), RATE_LIMIT_CLOSE_AFTER: String(closeAfter) } });
  h.givenConnection('c1', 'room1', 'alice');
  h.givenConnection('c2', 'room1', 'bob');
  h.givenRoom('room1', [
    { peerId: 'alice', connectionId: 'c1', enrolled: true },
    { peerId: 'bob', connectionId: 'c2', enrolled: true },
  ]);
  return h;
}

const getPeers = (id: number) => ({ request: true, id, method: 'getPeers', data: {} });

describe('$default over the rate limit', () => {
  it('answers a request 429 without a single DynamoDB call, and logs a warning instead of a line per message', async () => {
    const h = limitedHarness(roomRelay, 2, 0);
    await h.handlers.message(messageEvent('c1', getPeers(1)));
    await h.handlers.message(messageEvent('c1', getPeers(2)));
    const callsWithinLimit = h.dynamo.calls().length;
    expect(callsWithinLimit).toBeGreaterThan(0); // getPeers does read: the next one would too

    await h.handlers.message(messageEvent('c1', getPeers(3)));
    await h.handlers.message(messageEvent('c1', getPeers(4)));

    expect(h.dynamo.calls().length).toBe(callsWithinLimit);
    expect(h.postedTo('c1').slice(2)).toEqual([
      { response: true, id: 3, ok: false, errorCode: 429, errorReason: RATE_LIMITED_REASON },
      { response: true, id: 4, ok: false, errorCode: 429, errorReason: RATE_LIMITED_REASON },
    ]);
    const refused = h.logs.filter((line) => line.message === 'message' && line.outcome === 'rate-limited');
    expect(refused.map((line) => line.level)).toEqual(['debug', 'debug']);
    expect(h.logs.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ message: 'rate limit: refusing messages', connectionId: 'c1', refused: 1 }),
    ]);
    expect(h.closedConnections()).toEqual([]);
  });

  it('drops notifications and junk over the limit: nothing read, posted or passed to the app', async () => {
    const onNotification = vi.fn();
    const h = limitedHarness({ onNotification }, 1, 0);
    await h.handlers.message(messageEvent('c1', { notification: true, method: 'hello', data: {} }));
    const callsWithinLimit = h.dynamo.calls().length;
    await h.handlers.message(messageEvent('c1', { notification: true, method: 'hello', data: {} }));
    await h.handlers.message(messageEvent('c1', 'not json'));

    expect(onNotification).toHaveBeenCalledTimes(1);
    expect(h.dynamo.calls().length).toBe(callsWithinLimit);
    expect(h.posted()).toEqual([]);
    expect(h.logs.some((line) => line.message === 'dropped junk message')).toBe(false);
  });

  it('closes a connection far over the limit once, then drops what it still sends without a word', async () => {
    const h = limitedHarness(roomRelay, 1, 3);
    for (let id = 1; id <= 8; id++) await h.handlers.message(messageEvent('c1', getPeers(id)));

    expect(h.closedConnections()).toEqual(['c1']);
    // 1 answered, 3 refused (the third with the close), the rest dropped.
    expect(h.postedTo('c1').map((m) => m.errorCode ?? 'ok')).toEqual(['ok', 429, 429, 429]);
    expect(h.logs.filter((line) => line.message === 'rate limit: far over, closing the connection')).toHaveLength(1);
    expect(h.logs.filter((line) => line.message === 'message').map((line) => line.outcome)).toEqual([
      'ok',
      'rate-limited',
      'rate-limited',
      'rate-limited-closed',
      ...Array(4).fill('rate-limited-closed'),
    ]);
  });

  it('keeps other connections untouched', async () => {
    const h = limitedHarness(roomRelay, 1, 0);
    await h.handlers.message(messageEvent('c1', getPeers(1)));
    await h.handlers.message(messageEvent('c1', getPeers(2)));
    await h.handlers.message(messageEvent('c2', getPeers(1)));
    expect(h.postedTo('c2')).toEqual([{ response: true, id: 1, ok: true, data: { peers: [{ id: 'alice', data: {} }] } }]);
  });

  it('delivers an answer to a server request even with the bucket empty', async () => {
    const onResponse = vi.fn();
    const h = limitedHarness({ onResponse }, 1, 2);
    h.dynamo.on(DeleteCommand, { Key: pendingRequestKey('room1', 'c1', 77) }).resolves({
      Attributes: { roomId: 'room1', targetConnectionId: 'c1', requestId: 77, method: 'offer', state: {}, expiresAt: NOW / 1000 + 60 },
    });
    await h.handlers.message(messageEvent('c1', getPeers(1)));
    await h.handlers.message(messageEvent('c1', getPeers(2))); // refused: the bucket is empty
    for (let i = 0; i < 5; i++) await h.handlers.message(messageEvent('c1', { response: true, id: 77, ok: true, data: { sdp: 'x' } }));

    expect(onResponse).toHaveBeenCalledTimes(5);
    expect(onResponse).toHaveBeenCalledWith({ ok: true, data: { sdp: 'x' } }, expect.objectContaining({ request: { method: 'offer', state: {} } }));
    expect(h.closedConnections()).toEqual([]);
  });

  it('closes a flood of answers to nothing, sent with the bucket empty', async () => {
    const h = limitedHarness({}, 1, 3);
    for (let id = 1; id <= 6; id++) await h.handlers.message(messageEvent('c1', { response: true, id, ok: true }));
    expect(h.closedConnections()).toEqual(['c1']);
    expect(h.posted()).toEqual([]);
    // The three that closed it each cost their delete; once closed, no more.
    expect(h.inputs(DeleteCommand)).toHaveLength(3);
  });

  it('RATE_LIMIT_PER_SECOND=0 turns the limit off', async () => {
    const h = createHarness(roomRelay, { env: { TABLE_NAME: 'protoo', RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_BURST: '1' } });
    h.givenConnection('c1', 'room1', 'alice');
    h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1' }]);
    for (let id = 1; id <= 5; id++) await h.handlers.message(messageEvent('c1', getPeers(id)));
    expect(h.postedTo('c1').map((m) => m.ok)).toEqual([true, true, true, true, true]);
  });
});
