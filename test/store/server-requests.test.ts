/**
 * Server → client requests pending at once on one target: each gets its own
 * id and its own answer, whatever order the client answers in. Real handlers,
 * real store (dynalite), the room relay relaying alice's requests to bob.
 */
import { describe, expect, it } from 'vitest';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import { useDynaliteTable } from '../support/dynalite-table.js';
import { joinedPair, wireRuntime, type WiredRuntime } from './support/wired-runtime.js';

const table = useDynaliteTable();
let rooms = 0;


const requestsTo = (rt: WiredRuntime, connectionId: string) => rt.inbox(connectionId).filter((message) => message.request);

describe('two server requests pending on one target', () => {
  it('sent at the same moment get distinct ids and are answered independently, in any order', async () => {
    const rt = wireRuntime(table, roomRelay);
    const roomId = `pending-${++rooms}`;
    await joinedPair(rt, roomId);

    await Promise.all([
      rt.send('c-alice', { request: true, id: 1, method: 'peerRequest', data: { peerId: 'bob', method: 'offer', data: { n: 1 } } }),
      rt.send('c-alice', { request: true, id: 2, method: 'peerRequest', data: { peerId: 'bob', method: 'offer', data: { n: 2 } } }),
    ]);
    const relayed = requestsTo(rt, 'c-bob');
    expect(relayed).toHaveLength(2);
    expect(new Set(relayed.map((request) => request.id)).size).toBe(2);
    for (const request of relayed) expect(Number.isInteger(request.id) && request.id >= 0 && request.id <= 10_000_000).toBe(true);
    expect(await rt.store.listPendingRequests(roomId, 'c-bob')).toHaveLength(2);
    const byN = new Map(relayed.map((request) => [request.data.data.n, request.id]));

    // bob rejects the second first, then accepts the first.
    await rt.send('c-bob', { response: true, id: byN.get(2), ok: false, errorCode: 488, errorReason: 'not acceptable' });
    expect(rt.inbox('c-alice')).toEqual([{ response: true, id: 2, ok: false, errorCode: 488, errorReason: 'not acceptable' }]);
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'response', method: 'offer', peerId: 'bob' });
    await rt.send('c-bob', { response: true, id: byN.get(1), ok: true, data: { sdp: 'answer-1' } });
    expect(rt.inbox('c-alice')).toEqual([
      { response: true, id: 2, ok: false, errorCode: 488, errorReason: 'not acceptable' },
      { response: true, id: 1, ok: true, data: { sdp: 'answer-1' } },
    ]);
    expect(await rt.store.listPendingRequests(roomId, 'c-bob')).toEqual([]);

    // Answered once: a repeated answer matches nothing.
    await rt.send('c-bob', { response: true, id: byN.get(1), ok: true, data: { sdp: 'again' } });
    expect(rt.inbox('c-alice')).toHaveLength(2);
    expect(rt.lastOutcome('message')).toMatchObject({ outcome: 'unmatched-response', peerId: 'bob' });
  });

  it('are both failed with 410 when the target leaves before answering', async () => {
    const rt = wireRuntime(table, roomRelay);
    const roomId = `pending-${++rooms}`;
    await joinedPair(rt, roomId);
    await rt.send('c-alice', { request: true, id: 1, method: 'peerRequest', data: { peerId: 'bob', method: 'offer' } });
    await rt.send('c-alice', { request: true, id: 2, method: 'peerRequest', data: { peerId: 'bob', method: 'offer' } });
    expect(requestsTo(rt, 'c-bob')).toHaveLength(2);

    await rt.disconnect('c-bob');
    const answers = rt.inbox('c-alice').filter((message) => message.response);
    expect(answers.map((answer) => answer.id).sort()).toEqual([1, 2]);
    for (const answer of answers) expect(answer).toMatchObject({ ok: false, errorCode: 410, errorReason: 'peer closed' });
    expect(rt.inbox('c-alice')).toContainEqual({ notification: true, method: 'peerClosed', data: { peerId: 'bob' } });
    expect(await rt.store.listPendingRequests(roomId, 'c-bob')).toEqual([]);
  });
});
