import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { chat } from '../../../examples/chat.js';
import { connectEvent, createMemoryHarness, messageEvent } from '../support/memory-harness.js';

// The README's example app must keep working as documented: on the in-memory store, so what it wrote is read back.
describe('examples/chat.ts', () => {
  /** A $connect as API Gateway delivers it after the join-token authorizer accepted the token. */
  function tokenConnect(connectionId: string, peerId: string, claims: Record<string, unknown>) {
    const event = connectEvent(connectionId, { roomId: 'r', peerId, token: 'a.verified.jwt' });
    event.requestContext.authorizer = { roomId: 'r', peerId, claims: JSON.stringify(claims) };
    return event;
  }

  it('refuses a peer whose token says it is banned, with 403', async () => {
    const h = createMemoryHarness(chat);
    const answer = await h.handlers.connect(tokenConnect('c1', 'ann', { role: 'banned' }));
    expect(answer.statusCode).toBe(403);
    expect(h.store.calls).toEqual([]);
    expect(await h.memory.getConnection('c1')).toBeUndefined();
    expect(await h.peer('r', 'ann')).toBeUndefined();
  });

  it("takes the peer's name from its token's claims", async () => {
    const h = createMemoryHarness(chat);
    expect((await h.handlers.connect(tokenConnect('c1', 'ann', { name: 'Ann Smith' }))).statusCode).toBe(200);
    expect(await h.peer('r', 'ann')).toMatchObject({ connectionId: 'c1', data: { name: 'Ann Smith' } });
  });

  it('names the peer by its peerId without a name claim (anonymous mode: no claims)', async () => {
    const h = createMemoryHarness(chat);
    expect((await h.handlers.connect(connectEvent('c1', { roomId: 'r', peerId: 'ann' }))).statusCode).toBe(200);
    expect(await h.peer('r', 'ann')).toMatchObject({ connectionId: 'c1', data: { name: 'ann' } });
  });

  it('renames, says to the others, and relays a ping answer', async () => {
    const h = createMemoryHarness(chat);
    await h.givenRoom('r', [
      { peerId: 'ann', connectionId: 'c-ann', data: { name: 'ann' } },
      { peerId: 'ben', connectionId: 'c-ben', data: { name: 'ben' } },
    ]);
    await h.handlers.message(messageEvent('c-ann', { request: true, id: 1, method: 'setName', data: { name: 'Ann' } }));
    expect(await h.peer('r', 'ann')).toMatchObject({ data: { name: 'Ann' }, version: 1 });
    await h.handlers.message(messageEvent('c-ann', { request: true, id: 2, method: 'say', data: { text: 'hi' } }));
    // Said under the new name: the SDK-mock harness answered every read with the old item, and this said 'ann'.
    expect(h.postedTo('c-ben')).toEqual([{ notification: true, method: 'said', data: { from: 'Ann', text: 'hi' } }]);
    await h.handlers.message(messageEvent('c-ann', { request: true, id: 3, method: 'ping', data: { peerId: 'ben' } }));
    const ping = h.postedTo('c-ben')[1];
    expect(ping).toMatchObject({ request: true, method: 'ping' });
    expect(h.api.commandCalls(PostToConnectionCommand)).toHaveLength(4);
    expect(h.postedTo('c-ann').map((m) => m.id)).toEqual([1, 2]);
    // ben answers the ping: ann's request 3 is answered with what ben said.
    await h.handlers.message(messageEvent('c-ben', { response: true, id: ping.id, ok: true, data: { pong: true } }));
    expect(h.postedTo('c-ann').at(-1)).toEqual({ response: true, id: 3, ok: true, data: { pong: true } });
    expect(await h.pending('r', 'c-ben')).toEqual([]);
  });
});
