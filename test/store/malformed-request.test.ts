/**
 * A joined peer that sends a request the server cannot run (an id, but no
 * method) is answered 400 and stays what it was: joined, known to the
 * others, able to relay. Only when that 400 meets Gone is the peer ended,
 * as any other post that meets Gone ends it. Real handlers, real store
 * (dynalite); the Management API is the stand-in of wired-runtime.ts.
 */
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import { useDynaliteTable } from '../support/dynalite-table.js';
import { joinedPair, wireRuntime, type WiredRuntime } from './support/wired-runtime.js';

const table = useDynaliteTable();
let rooms = 0;


/** alice and bob, both joined to a new room. */
async function twoJoinedPeers(): Promise<{ rt: WiredRuntime; roomId: string }> {
  const rt = wireRuntime(table, roomRelay);
  const roomId = `malformed-${++rooms}`;
  await joinedPair(rt, roomId);
  return { rt, roomId };
}

describe('a malformed request from a joined peer', () => {
  it.each([
    ['no method', { request: true, id: 41 }, 'method must be a non-empty string'],
    ['an empty method', { request: true, id: 41, method: '' }, 'method must be a non-empty string'],
    ['data that is not an object', { request: true, id: 41, method: 'getPeers', data: [1, 2] }, 'data must be an object'],
  ])('with %s is answered 400 with the reason, and the peer stays joined and usable', async (_name, body, reason) => {
    const { rt, roomId } = await twoJoinedPeers();
    await rt.send('c-alice', body);

    expect(rt.inbox('c-alice')).toEqual([{ response: true, id: 41, ok: false, errorCode: 400, errorReason: reason }]);
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'error:400', roomId, peerId: 'alice' });
    // Still joined: bob heard nothing, still lists alice, and alice can still relay to him.
    expect(rt.inbox('c-bob')).toEqual([]);
    expect(rt.closed).toEqual([]);
    expect(await rt.request('c-bob', 'getPeers')).toMatchObject({ ok: true, data: { peers: [{ id: 'alice', data: { name: 'alice' } }] } });
    expect(await rt.request('c-alice', 'peerNotify', { peerId: 'bob', method: 'hello', data: { n: 1 } })).toMatchObject({ ok: true });
    expect(rt.inbox('c-bob')).toContainEqual({ notification: true, method: 'hello', data: { from: 'alice', data: { n: 1 } } });
    expect((await rt.store.getRoster(roomId)).get('alice')).toBe('c-alice');
  });

  it('whose 400 meets Gone ends the peer: removed, off the roster, and the others hear peerClosed', async () => {
    const { rt, roomId } = await twoJoinedPeers();
    rt.gone.add('c-alice');
    await rt.send('c-alice', { request: true, id: 42 });

    expect(rt.inbox('c-bob')).toEqual([{ notification: true, method: 'peerClosed', data: { peerId: 'alice' } }]);
    expect(await rt.store.getPeer(roomId, 'alice')).toBeUndefined();
    expect(await rt.store.getConnection('c-alice')).toBeUndefined();
    expect([...(await rt.store.getRoster(roomId)).keys()]).toEqual(['bob']);
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'error:400', peerId: 'alice' });
  });
});

describe('messages that are not protoo messages', () => {
  it.each([
    ['no kind flag, with a method', { method: 'chat', data: { text: 'hi' } }],
    ['a string notification flag', { notification: 'true', method: 'chat', data: {} }],
    ['a notification whose data is an array', { notification: true, method: 'chat', data: ['hi'] }],
    ['a notification whose data is a string', { notification: true, method: 'chat', data: 'hi' }],
    ['a notification whose data is null', { notification: true, method: 'chat', data: null }],
  ])('are dropped as junk before any read or app call: %s', async (_name, body) => {
    const heard: string[] = [];
    const rt = wireRuntime(table, { onNotification: ({ method }) => void heard.push(method) });
    const roomId = `junk-${++rooms}`;
    await rt.connect('c-j', roomId, 'j');
    await rt.send('c-j', body);
    expect(heard).toEqual([]);
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'junk' });
    expect(rt.logs.find((line) => line.message === 'dropped junk message')).toMatchObject({ level: 'warn', connectionId: 'c-j' });
    expect(rt.inbox('c-j')).toEqual([]);
    // The same notification, well formed, reaches the app.
    await rt.send('c-j', { notification: true, method: 'chat', data: { text: 'hi' } });
    expect(heard).toEqual(['chat']);
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'notification', method: 'chat', roomId, peerId: 'j' });
  });
});
