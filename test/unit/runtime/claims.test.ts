/** A verified join token's app claims reach the app: at $connect and on every message of the connection, with no read. */
import { describe, expect, it } from 'vitest';
import type { App, AppData } from '../../../lambda/app/types.js';
import { claimsFrom } from '../../../lambda/runtime/claims.js';
import { connectEvent, createHarness, messageEvent } from '../support/harness.js';

const authorizer = { roomId: 'room1', peerId: 'alice', claims: JSON.stringify({ role: 'host', displayName: 'Alice' }) };

describe('join-token claims', () => {
  it('onConnectionRequest and every request see the claims the authorizer verified', async () => {
    const seen: AppData[] = [];
    const app: App = {
      onConnectionRequest({ claims }, { accept }) {
        seen.push(claims);
        accept();
      },
      async onRequest(_request, { peer, accept }) {
        seen.push(peer.claims);
        await accept({ role: peer.claims.role });
      },
    };
    const h = createHarness(app);
    const connect = connectEvent('c-alice', null);
    connect.requestContext.authorizer = authorizer;
    expect((await h.handlers.connect(connect)).statusCode).toBe(200);
    await h.handlers.message(messageEvent('c-alice', { request: true, id: 1, method: 'whoami', data: {} }, authorizer));
    expect(seen).toEqual([{ role: 'host', displayName: 'Alice' }, { role: 'host', displayName: 'Alice' }]);
    expect(h.postedTo('c-alice')).toEqual([{ response: true, id: 1, ok: true, data: { role: 'host' } }]);
  });

  it.each([
    ['no authorizer', undefined],
    ['no claims', { roomId: 'r', peerId: 'p' }],
    ['claims that are not JSON', { claims: '{oops' }],
    ['claims that are not an object', { claims: '[1,2]' }],
  ])('are {} with %s', (_name, context) => {
    expect(claimsFrom(context)).toEqual({});
  });
});
