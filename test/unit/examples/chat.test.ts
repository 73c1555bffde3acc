import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { chat } from '../../../examples/chat.js';
import { connectEvent, createHarness, messageEvent } from '../support/harness.js';

// The README's example app must keep working as documented.
describe('examples/chat.ts', () => {
  it('rejects a connection without the token with 401', async () => {
    const h = createHarness(chat);
    expect((await h.handlers.connect(connectEvent('c1', { roomId: 'r', peerId: 'ann' }))).statusCode).toBe(401);
  });

  it('accepts with the token and stores the name', async () => {
    const h = createHarness(chat);
    expect((await h.handlers.connect(connectEvent('c1', { roomId: 'r', peerId: 'ann', token: 'secret' }))).statusCode).toBe(200);
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
