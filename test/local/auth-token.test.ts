/**
 * The join-token authorizer on the real local stack (API Gateway's REQUEST
 * authorizer emulated: identity sources, 401, context), with the room relay
 * and real protoo-clients: the token, not the query string, names the peer.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../lambda/auth/authorizer.js';
import { createJoinToken } from '../../lambda/auth/join-token.js';
import { staticSource } from '../../lambda/auth/secret-source.js';
import { hs256Verifier } from '../../lambda/auth/token-verifier.js';
import { createLogger } from '../../lambda/log.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';
import { handshakeStatus, once, TestPeer, createPeer } from '../integration/support/protoo.js';

const SECRET = 'local-test-secret-local-test-secret-0123';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    handlers: 'lambda/entry.ts',
    dynamodb: 'dynalite',
    logLevel: 'error',
    env: { LOG_LEVEL: 'error' },
    authorizer: {
      handler: createAuthorizer(hs256Verifier(staticSource({ current: SECRET })), createLogger('silent')),
      identitySource: ['route.request.querystring.token'],
    },
  });
}, 60_000);
afterAll(() => stack?.stop());

const open: TestPeer[] = [];
afterAll(() => open.forEach((p) => p.close()));

async function connect(query: string, name: string): Promise<TestPeer> {
  const peer = new TestPeer(createPeer(`${stack.url}?${query}`), name);
  open.push(peer);
  await once(peer.peer, 'open');
  return peer;
}

describe('join tokens on the local stack', () => {
  it('a valid token connects as its peerId; the query string\'s ids are ignored', async () => {
    const alice = await createJoinToken({ roomId: 'tok-room', peerId: 'alice', ttl: 600 }, SECRET);
    const bob = await createJoinToken({ roomId: 'tok-room', peerId: 'bob', ttl: 600 }, SECRET);
    const a = await connect(`roomId=elsewhere&peerId=mallory&token=${alice}`, 'alice');
    await a.peer.request('join', { data: { n: 1 } });
    const b = await connect(`roomId=tok-room&peerId=bob&token=${bob}`, 'bob');
    expect(await b.peer.request('join')).toEqual({ peers: [{ id: 'alice', data: { n: 1 } }] });
    expect((await a.notification('newPeer')).data).toMatchObject({ id: 'bob' });
  });

  it('a forged, tampered, expired or missing token gets 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await createJoinToken({ roomId: 'r', peerId: 'alice', ttl: 600 }, 'not-the-secret-not-the-secret-not-the-se');
    const [h, , s] = (await createJoinToken({ roomId: 'r', peerId: 'bob', ttl: 600 }, SECRET)).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ roomId: 'r', peerId: 'alice', exp: now + 600 })).toString('base64url')}.${s}`;
    const expired = await new SignJWT({ roomId: 'r', peerId: 'alice', exp: now - 120 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    for (const query of [`token=${forged}`, `token=${tampered}`, `token=${expired}`, 'roomId=r&peerId=alice', 'token=']) {
      expect(await handshakeStatus(`${stack.url}?${query}`, 'protoo'), query).toBe(401);
    }
  });
});
