/**
 * Server → client request ids are random; a draw that collides with a
 * request still pending on the same target is refused by the store's
 * condition (dynalite evaluates it) and another id is drawn, at most five
 * times. The draws are scripted here so the collision is certain.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { roomRelay } from '../../lambda/apps/room-relay.js';
import { useDynaliteTable } from '../support/dynalite-table.js';
import { joinedPair, wireRuntime } from './support/wired-runtime.js';

/**
 * The ids generateRequestId will draw next, scripted through Math.random
 * (only its calls from generateRequestId: nothing else's randomness changes).
 */
const draws = { queue: [] as number[] };
const random = Math.random.bind(Math);
vi.spyOn(Math, 'random').mockImplementation(() =>
  draws.queue.length > 0 && new Error().stack?.includes('generateRequestId') ? draws.queue.shift()! / 10_000_000 : random(),
);

const table = useDynaliteTable();
let rooms = 0;

afterAll(() => {
  vi.restoreAllMocks();
});
afterEach(() => {
  draws.queue = [];
});

const offer = (id: number) => ({ request: true, id, method: 'peerRequest', data: { peerId: 'bob', method: 'offer', data: { n: id } } });

describe('a request id that collides with one pending on the same target', () => {
  it('is drawn again, and both requests are delivered and answered on their own ids', async () => {
    const rt = wireRuntime(table, roomRelay);
    const roomId = `collide-${++rooms}`;
    await joinedPair(rt, roomId);

    draws.queue = [4242, 4242, 4243];
    await rt.send('c-alice', offer(1));
    await rt.send('c-alice', offer(2));
    expect(rt.inbox('c-bob').map((message) => [message.id, message.data.data.n])).toEqual([
      [4242, 1],
      [4243, 2],
    ]);
    expect(draws.queue).toEqual([]);

    await rt.send('c-bob', { response: true, id: 4243, ok: true, data: { for: 2 } });
    await rt.send('c-bob', { response: true, id: 4242, ok: true, data: { for: 1 } });
    expect(rt.inbox('c-alice')).toEqual([
      { response: true, id: 2, ok: true, data: { for: 2 } },
      { response: true, id: 1, ok: true, data: { for: 1 } },
    ]);
  });

  it('an id pending on another target is no collision', async () => {
    const rt = wireRuntime(table, roomRelay);
    const roomId = `collide-${++rooms}`;
    await joinedPair(rt, roomId);
    draws.queue = [77, 77];
    await rt.send('c-alice', offer(1));
    await rt.send('c-bob', { request: true, id: 1, method: 'peerRequest', data: { peerId: 'alice', method: 'offer' } });
    expect(rt.inbox('c-bob').filter((message) => message.request).map((message) => message.id)).toEqual([77]);
    expect(rt.inbox('c-alice').filter((message) => message.request).map((message) => message.id)).toEqual([77]);
  });

  it('gives up after five colliding draws: the requester is answered with an internal error and nothing is sent', async () => {
    const rt = wireRuntime(table, roomRelay);
    const roomId = `collide-${++rooms}`;
    await joinedPair(rt, roomId);
    draws.queue = [9];
    await rt.send('c-alice', offer(1));

    draws.queue = [9, 9, 9, 9, 9, 10];
    await rt.send('c-alice', offer(2));
    expect(rt.inbox('c-alice')).toEqual([{ response: true, id: 2, ok: false, errorCode: 500, errorReason: expect.stringMatching(/^internal error \(id [0-9a-f]{12}\)$/) }]);
    expect(draws.queue).toEqual([10]);
    expect(rt.inbox('c-bob').map((message) => message.id)).toEqual([9]);

    // Four collisions and a free fifth draw still get through.
    draws.queue = [9, 9, 9, 9, 11];
    await rt.send('c-alice', offer(3));
    expect(rt.inbox('c-bob').map((message) => message.id)).toEqual([9, 11]);
    expect(draws.queue).toEqual([]);
  });
});
