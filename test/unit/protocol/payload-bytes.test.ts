/**
 * API Gateway's 128 KB limit is on UTF-8 bytes. A payload of multi-byte
 * characters can be over it in bytes while under it in UTF-16 characters
 * (String.length): that payload must get 413, not be posted. One exactly
 * at the limit is still delivered.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../../lambda/app/types.js';
import { MAX_MESSAGE_BYTES } from '../../../lambda/protocol/encode.js';
import { createNotification, createSuccessResponse } from '../../../lambda/protocol/messages.js';
import { createHarness, messageEvent } from '../support/harness.js';

/**
 * A string that makes `envelope(blob)` exactly `bytes` long in UTF-8, mostly
 * of 'é' (2 bytes, 1 UTF-16 unit each).
 */
function blobFor(envelope: (blob: string) => object, bytes: number): string {
  const rest = bytes - Buffer.byteLength(JSON.stringify(envelope('')));
  const blob = 'x'.repeat(rest % 2) + 'é'.repeat(Math.floor(rest / 2));
  const json = JSON.stringify(envelope(blob));
  expect(Buffer.byteLength(json)).toBe(bytes);
  expect(json.length).toBeLessThan(MAX_MESSAGE_BYTES * 0.6);
  return blob;
}

const answerBlob = (bytes: number) => blobFor((blob) => createSuccessResponse(6, { blob }), bytes);
const notificationBlob = (bytes: number) => blobFor((blob) => createNotification('big', { blob }), bytes);

function harnessWith(app: App) {
  const h = createHarness(app);
  h.givenConnection('c1', 'room1', 'alice');
  h.givenRoom('room1', [
    { peerId: 'alice', connectionId: 'c1' },
    { peerId: 'bob', connectionId: 'c-bob' },
  ]);
  return h;
}

describe('the 128 KB limit counts UTF-8 bytes', () => {
  it('answers 413 to an answer one byte over the limit, though far under it in characters', async () => {
    const blob = answerBlob(MAX_MESSAGE_BYTES + 1);
    const h = harnessWith({ onRequest: (_request, { accept }) => accept({ blob }) });
    await h.handlers.message(messageEvent('c1', { request: true, id: 6, method: 'big' }));
    expect(h.postedTo('c1')).toEqual([
      { response: true, id: 6, ok: false, errorCode: 413, errorReason: `message of ${MAX_MESSAGE_BYTES + 1} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte API Gateway limit` },
    ]);
    expect(h.logs.find((line) => line.message === 'response too large, answering 413')).toMatchObject({ level: 'warn', bytes: MAX_MESSAGE_BYTES + 1 });
  });

  it('delivers an answer of exactly the limit', async () => {
    const blob = answerBlob(MAX_MESSAGE_BYTES);
    const h = harnessWith({ onRequest: (_request, { accept }) => accept({ blob }) });
    await h.handlers.message(messageEvent('c1', { request: true, id: 6, method: 'big' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 6, ok: true, data: { blob } }]);
  });

  it('refuses a broadcast one byte over the limit before posting to anyone, and the request gets 413', async () => {
    const blob = notificationBlob(MAX_MESSAGE_BYTES + 1);
    const h = harnessWith({
      onRequest: async (_request, { room, peer, accept }) => {
        const others = (await room.getPeers()).filter((other) => other.id !== peer.id);
        await accept({ delivered: await room.notifyPeers(others, 'big', { blob }) });
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 7, method: 'shout' }));
    expect(h.postedTo('c-bob')).toEqual([]);
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 7, ok: false, errorCode: 413, errorReason: expect.stringContaining(`${MAX_MESSAGE_BYTES + 1} bytes`) }]);
  });

  it('broadcasts a notification of exactly the limit', async () => {
    const blob = notificationBlob(MAX_MESSAGE_BYTES);
    const h = harnessWith({
      onRequest: async (_request, { room, peer, accept }) => {
        const others = (await room.getPeers()).filter((other) => other.id !== peer.id);
        await accept({ delivered: await room.notifyPeers(others, 'big', { blob }) });
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 7, method: 'shout' }));
    expect(h.postedTo('c-bob')).toEqual([{ notification: true, method: 'big', data: { blob } }]);
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 7, ok: true, data: { delivered: 1 } }]);
  });

  it('refuses a single notification one byte over the limit: the sender gets 413, the target nothing', async () => {
    const blob = notificationBlob(MAX_MESSAGE_BYTES + 1);
    const h = harnessWith({
      onRequest: async (_request, { room, accept }) => {
        const bob = await room.getPeer('bob');
        await accept({ delivered: await bob!.notify('big', { blob }) });
      },
    });
    await h.handlers.message(messageEvent('c1', { request: true, id: 8, method: 'whisper' }));
    expect(h.postedTo('c-bob')).toEqual([]);
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 8, ok: false, errorCode: 413, errorReason: expect.stringContaining(`${MAX_MESSAGE_BYTES + 1} bytes`) }]);
  });

  it('encodes a broadcast once, not once per recipient, and every recipient gets the same bytes', async () => {
    let serialized = 0;
    // JSON.stringify calls toJSON each time it serializes the notification.
    const data = { toJSON: () => (serialized++, { text: 'hello' }) };
    const h = createHarness({
      onRequest: async (_request, { room, peer, accept }) => {
        const others = (await room.getPeers()).filter((other) => other.id !== peer.id);
        await accept({ delivered: await room.notifyPeers(others, 'chat', data) });
      },
    });
    h.givenConnection('c1', 'room1', 'alice');
    const others = ['bob', 'carol', 'dave', 'erin'];
    h.givenRoom('room1', [{ peerId: 'alice', connectionId: 'c1' }, ...others.map((peerId) => ({ peerId, connectionId: `c-${peerId}` }))]);
    await h.handlers.message(messageEvent('c1', { request: true, id: 9, method: 'shout' }));
    expect(h.postedTo('c1')).toEqual([{ response: true, id: 9, ok: true, data: { delivered: 4 } }]);
    for (const peerId of others) expect(h.postedTo(`c-${peerId}`)).toEqual([{ notification: true, method: 'chat', data: { text: 'hello' } }]);
    expect(serialized).toBe(1);
  });
});
