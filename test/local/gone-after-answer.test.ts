/**
 * A connection found Gone while the app handles a request is ended after
 * the handler has answered — never in the middle of the app's own
 * `peer.notify()` — and once, however many times it was found Gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../lambda/app/types.js';
import { createHandlers } from '../../lambda/create-handlers.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { openPeer, type TestPeer } from '../integration/support/protoo.js';

const events: string[] = [];
const app: App = {
  async onRequest({ method, data }, { room, peer, accept }) {
    if (method === 'here') {
      // Written data proves the connection was open (a young binding without it may still be connecting).
      await peer.setData({ here: true });
      await room.enroll(peer);
      return accept();
    }
    // Notify the vanished peer three times: each meets Gone.
    const target = (await room.getPeer(String(data.peerId)))!;
    for (let i = 0; i < 3; i++) events.push(`notify ${await target.notify('hello')}`);
    events.push('handler answers');
    await accept();
  },
  async onPeerClosed({ peerId, reason }) {
    events.push(`onPeerClosed ${peerId} ${reason}`);
  },
};

let stack: LocalStack;
let dropDisconnect = false;
/** Called when the hook drops a $disconnect: the gateway has already marked the connection closed. */
let onDropped = () => {};
const peers: TestPeer[] = [];
beforeAll(async () => {
  stack = await startLocalStack({
    handlers: createHandlers(app),
    keepAlive: false,
    env: { LOG_LEVEL: 'error' },
    beforeInvoke: (route) => {
      if (route === '$disconnect' && dropDisconnect) {
        onDropped();
        throw new Error('dropped $disconnect');
      }
    },
  });
});
afterAll(async () => {
  for (const p of peers) p.close();
  await stack?.stop();
});

describe('Gone found during a request', () => {
  it('ends the peer once, after the handler has answered', async () => {
    const a = await openPeer(stack.url, 'gone-room', 'a');
    const b = await openPeer(stack.url, 'gone-room', 'b');
    peers.push(a, b);
    await a.peer.request('here');
    await b.peer.request('here');
    // b vanishes and its $disconnect never comes.
    dropDisconnect = true;
    const dropped = new Promise<void>((resolve) => (onDropped = resolve));
    b.close();
    await dropped; // the gateway has seen b go: a post to it now meets Gone
    expect(stack.connectionIds()).toHaveLength(1);

    await a.peer.request('poke', { peerId: 'b' });
    // The request's invocation ends the Gone peer after answering: wait for it to return.
    await stack.settled();
    expect(events).toEqual(['notify false', 'notify false', 'notify false', 'handler answers', 'onPeerClosed b gone']);
  });
});
