import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { chat } from '../../../examples/chat.js';
import { connectEvent, createHarness, messageEvent } from '../support/harness.js';

// The README's example app must keep working as documented.
describe('examples/chat.ts', () => {
  /** A $connect as API Gateway delivers it after the join-token authorizer accepted the token. */
  function tokenConnect(connectionId: string, peerId: string, claims: Record<string, unknown>) {
    const event = connectEvent(connectionId, { roomId: 'r', peerId, token: 'a.verified.jwt' });
    event.requestContext.authorizer = { roomId: 'r', peerId, claims: JSON.stringify(claims) };
    return event;
  }

  it('refuses a peer whose token says it is banned, with 403', async () => {
    const h = createHarness(chat);
    const answer = await h.handlers.connect(tokenConnect('c1', 'ann', { role: 'banned' }));
    expect(answer.statusCode).toBe(403);
    expect(h.inputs(PutCommand)).toHaveLength(0);
  });

  it("takes the peer's name from its token's claims", async () => {
    const h = createHarness(chat);
    expect((await h.handlers.connect(tokenConnect('c1', 'ann', { name: 'Ann Smith' }))).statusCode).toBe(200);
    expect(h.inputs(PutCommand)[1].Item.data).toEqual({ name: 'Ann Smith' });
  });

  it('names the peer by its peerId without a name claim (anonymous mode: no claims)', async () => {
    const h = createHarness(chat);
    expect((await h.handlers.connect(connectEvent('c1', { roomId: 'r', peerId: 'ann' }))).statusCode).toBe(200);
    expect(h.inputs(PutCommand)[1].Item.data).toEqual({ name: 'ann' });
  });

  it('renames, says to the others, and relays a ping answer', async () => {
    const h = createHarness(chat);
    h.givenConnection('c-ann', 'r', 'ann');
    h.givenRoom('r', [
      { peerId: 'ann', connectionId: 'c-ann', data: { name: 'ann' } },
      { peerId: 'ben', connectionId: 'c-ben', data: { name: 'ben' } },
    ]);
    await h.handlers.message(messageEvent('c-ann', { request: true, id: 1, method: 'setName', data: { name: 'Ann' } }));
    expect(h.inputs(UpdateCommand)[0].ExpressionAttributeValues[':data']).toEqual({ name: 'Ann' });
    await h.handlers.message(messageEvent('c-ann', { request: true, id: 2, method: 'say', data: { text: 'hi' } }));
    expect(h.postedTo('c-ben')).toEqual([{ notification: true, method: 'said', data: { from: 'ann', text: 'hi' } }]);
    await h.handlers.message(messageEvent('c-ann', { request: true, id: 3, method: 'ping', data: { peerId: 'ben' } }));
    const ping = h.postedTo('c-ben')[1];
    expect(ping).toMatchObject({ request: true, method: 'ping' });
    expect(h.api.commandCalls(PostToConnectionCommand)).toHaveLength(4);
    expect(h.postedTo('c-ann').map((m) => m.id)).toEqual([1, 2]);
  });
});
