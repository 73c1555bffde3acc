/** JWKS mode against keys generated here and a JWKS served from loopback. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../../lambda/auth/auth-error.js';
import { jwksVerifier } from '../../../lambda/auth/jwks-verifier.js';

const ISSUER = 'https://idp.example.test/pool';
const AUDIENCE = 'app-client';
let server: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
let fetches = 0;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function idToken(claims: Record<string, unknown>, { kid = 'k1', issuer = ISSUER, audience = AUDIENCE } = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(signingKey);
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).reason;
}

describe('JWKS mode', () => {
  it('takes the peerId from sub and the roomId from the query; app claims exclude registered ones', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const identity = await verify(await idToken({ sub: 'user-123', name: 'Alice' }), { roomId: 'demo', peerId: 'ignored' });
    expect(identity).toMatchObject({ roomId: 'demo', peerId: 'user-123', claims: { sub: 'user-123', name: 'Alice' } });
    expect(identity.claims).not.toHaveProperty('iss');
    expect(fetches).toBeGreaterThan(0);
  });

  it('takes the peerId from a configured claim', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, peerIdClaim: 'username' });
    expect((await verify(await idToken({ sub: 'x', username: 'bob' }), { roomId: 'r' })).peerId).toBe('bob');
    expect(await reasonOf(verify(await idToken({ sub: 'x' }), { roomId: 'r' }))).toBe('missing-claim');
  });

  it('restricts rooms with a room claim (array or space-separated string)', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, roomClaim: 'rooms' });
    await expect(verify(await idToken({ sub: 'u', rooms: ['a', 'b'] }), { roomId: 'b' })).resolves.toMatchObject({ roomId: 'b' });
    await expect(verify(await idToken({ sub: 'u', rooms: 'a c' }), { roomId: 'c' })).resolves.toMatchObject({ roomId: 'c' });
    expect(await reasonOf(verify(await idToken({ sub: 'u', rooms: ['a'] }), { roomId: 'z' }))).toBe('invalid-claim');
    expect(await reasonOf(verify(await idToken({ sub: 'u' }), { roomId: 'a' }))).toBe('invalid-claim');
  });

  it('rejects a wrong issuer or audience, a missing roomId, an unusable peerId', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    expect(await reasonOf(verify(await idToken({ sub: 'u' }, { issuer: 'https://evil' }), { roomId: 'r' }))).toBe('invalid-claim');
    expect(await reasonOf(verify(await idToken({ sub: 'u' }, { audience: 'other' }), { roomId: 'r' }))).toBe('invalid-claim');
    expect(await reasonOf(verify(await idToken({ sub: 'u' }), {}))).toBe('invalid-claim');
    expect(await reasonOf(verify(await idToken({ sub: 'auth0|123' }), { roomId: 'r' }))).toBe('invalid-claim');
  });

  it('rejects a key not in the JWKS, and HS256 (algorithm confusion)', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const { privateKey } = await generateKeyPair('RS256');
    const stranger = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(privateKey);
    expect(await reasonOf(verify(stranger, { roomId: 'r' }))).toBe('signature');
    const hs = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await reasonOf(verify(hs, { roomId: 'r' }))).toBe('algorithm');
  });
});
