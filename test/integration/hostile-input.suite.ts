/**
 * Hostile input against the room-relay app (issue 7 §3), with real
 * protoo-client peers on the local stack: data DynamoDB can hold is stored
 * intact (constructor keys included); data it cannot hold is the client's
 * own 400, with nothing stored — another peer's getPeers shows no change,
 * nobody hears of it, and the connection stays usable. Never a 500.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { freshRoom, openPeer, rejection, type TestPeer } from './support/protoo.js';
import { useStack } from './support/stack.js';

/** `levels` nested maps: nest(1) is {a: 1}. */
function nest(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
}

const constructorInfo = {
  constructor: 'x',
  nested: { constructor: { name: 'String' } },
  list: [{ constructor: { name: 'Set' } }],
};

export function hostileInputSuite(engine: () => RunningEngine): void {
  describe('hostile input', () => {
    const ctx = useStack(engine);
    const open: TestPeer[] = [];
    const peer = async (roomId: string, peerId: string) => {
      const p = await openPeer(ctx().stack.url, roomId, peerId);
      open.push(p);
      return p;
    };
    afterEach(() => {
      for (const p of open.splice(0)) p.close();
    });

    /** A joined observer, and a connected peer `p` about to send something hostile. */
    async function roomWithObserver() {
      const room = freshRoom('hostile');
      const observer = await peer(room, 'observer');
      await observer.peer.request('join', { data: { name: 'O' } });
      const p = await peer(room, 'p');
      return { room, observer, p };
    }

    /** Nothing about p was stored or announced, and p can still join. */
    async function expectNothingStored(observer: TestPeer, p: TestPeer) {
      expect(await observer.peer.request('getPeers')).toEqual({ peers: [] });
      await ctx().stack.settled();
      expect(observer.notifications.filter((n) => n.method === 'newPeer')).toEqual([]);
      expect(await p.peer.request('getPeers')).toEqual({ peers: [{ id: 'observer', data: { name: 'O' } }] });
      await p.peer.request('join', { data: { name: 'P' } });
      expect((await observer.notification('newPeer')).data).toEqual({ id: 'p', data: { name: 'P' } });
    }

    describe('join info DynamoDB cannot hold: 400, nothing stored', () => {
      it.each([
        ['1e200', { n: 1e200 }, /1e\+200/],
        ['2**53', { n: 2 ** 53 }, /9007199254740992/],
        ['1e-200, nested', { deep: { list: [1e-200] } }, /1e-200/],
        ['an empty key', { '': 'x' }, /empty key/],
        ['33 levels of nesting, counted from the item', nest(31), /nested deeper than DynamoDB's 32 levels/],
      ])('%s', async (_name, info, reason) => {
        const { observer, p } = await roomWithObserver();
        const error = await rejection(p.peer.request('join', { data: info }));
        expect(error.code).toBe(400);
        expect(error.message).toMatch(reason);
        await expectNothingStored(observer, p);
      });

      it('32 levels are stored, and read back as joined', async () => {
        const { observer, p } = await roomWithObserver();
        await p.peer.request('join', { data: nest(30) });
        expect(await observer.peer.request('getPeers')).toEqual({ peers: [{ id: 'p', data: nest(30) }] });
      });
    });

    describe('constructor keys are data like any other', () => {
      it('in join info, top level and nested: stored and announced intact', async () => {
        const { observer, p } = await roomWithObserver();
        await p.peer.request('join', { data: constructorInfo });
        expect((await observer.notification('newPeer')).data).toEqual({ id: 'p', data: constructorInfo });
        expect(await observer.peer.request('getPeers')).toEqual({ peers: [{ id: 'p', data: constructorInfo }] });
      });

      it('in peerRequest data and in the answer: relayed intact both ways', async () => {
        const { observer, p } = await roomWithObserver();
        await p.peer.request('join', { data: {} });
        observer.onRequest = (_request, accept) => accept({ constructor: { name: 'Number' }, echo: constructorInfo });
        const answer = await p.peer.request('peerRequest', { peerId: 'observer', method: 'offer', data: constructorInfo, constructor: 'top' });
        expect(answer).toEqual({ constructor: { name: 'Number' }, echo: constructorInfo });
        expect((await observer.request('offer')).data).toEqual({ from: 'p', data: constructorInfo });
      });

      it('in peerNotify data, to one peer and to all: delivered intact', async () => {
        const { observer, p } = await roomWithObserver();
        await p.peer.request('join', { data: {} });
        expect(await p.peer.request('peerNotify', { peerId: 'observer', method: 'one', data: constructorInfo })).toEqual({ delivered: 1 });
        expect(await p.peer.request('peerNotify', { method: 'all', data: { constructor: { name: 'Map' } }, constructor: 'top' })).toEqual({ delivered: 1 });
        expect((await observer.notification('one')).data).toEqual({ from: 'p', data: constructorInfo });
        expect((await observer.notification('all')).data).toEqual({ from: 'p', data: { constructor: { name: 'Map' } } });
      });
    });

    it('relayed data is never stored, so numbers DynamoDB could not hold are delivered as sent', async () => {
      const { observer, p } = await roomWithObserver();
      await p.peer.request('join', { data: {} });
      const data = { big: 1e200, unsafe: 2 ** 53, tiny: 1e-200, deep: nest(40) };
      observer.onRequest = (_request, accept) => accept(data);
      expect(await p.peer.request('peerRequest', { peerId: 'observer', method: 'numbers', data })).toEqual(data);
      expect(await p.peer.request('peerNotify', { peerId: 'observer', method: 'numbers', data })).toEqual({ delivered: 1 });
      expect((await observer.notification('numbers')).data).toEqual({ from: 'p', data });
    });
  });
}
