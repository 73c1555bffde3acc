/** JWKS mode against keys generated here and a JWKS served from loopback. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../../lambda/auth/auth-error.js';
import { createAuthorizer } from '../../../lambda/auth/authorizer.js';
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../../../lambda/auth/join-token.js';
import { jwksVerifier } from '../../../lambda/auth/jwks-verifier.js';
import { createLogger } from '../../../lambda/log.js';

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

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the JWKS's key, with exactly the registered claims given (no defaults). */
function signed(payload: JWTPayload) {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, ...payload }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(signingKey);
}

describe('JWKS mode: lifetime, clock skew and integrity', () => {
  it(`rejects a token expired beyond the ${DEFAULT_CLOCK_SKEW_SECONDS} s skew, accepts one within it`, async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    expect(await reasonOf(verify(await signed({ sub: 'u', exp: now() - DEFAULT_CLOCK_SKEW_SECONDS - 15 }), { roomId: 'r' }))).toBe('expired');
    expect(await reasonOf(verify(await signed({ sub: 'u', exp: now() - 3600 }), { roomId: 'r' }))).toBe('expired');
    await expect(verify(await signed({ sub: 'u', exp: now() - DEFAULT_CLOCK_SKEW_SECONDS + 15 }), { roomId: 'r' })).resolves.toMatchObject({ peerId: 'u' });
  });

  it('rejects a not-yet-valid token (nbf) beyond the skew, accepts one within it', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const exp = now() + 600;
    expect(await reasonOf(verify(await signed({ sub: 'u', nbf: now() + DEFAULT_CLOCK_SKEW_SECONDS + 15, exp }), { roomId: 'r' }))).toBe('not-yet-valid');
    await expect(verify(await signed({ sub: 'u', nbf: now() + DEFAULT_CLOCK_SKEW_SECONDS - 15, exp }), { roomId: 'r' })).resolves.toMatchObject({ peerId: 'u' });
  });

  it('honours a custom skew, down to none', async () => {
    const strict = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 0 });
    expect(await reasonOf(strict(await signed({ sub: 'u', exp: now() - 5 }), { roomId: 'r' }))).toBe('expired');
    expect(await reasonOf(strict(await signed({ sub: 'u', nbf: now() + 5, exp: now() + 600 }), { roomId: 'r' }))).toBe('not-yet-valid');
  });

  it('requires an expiry', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    expect(await reasonOf(verify(await signed({ sub: 'u' }), { roomId: 'r' }))).toBe('missing-claim');
  });

  it('rejects a tampered payload, a tampered signature and alg "none"', async () => {
    const verify = jwksVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const token = await idToken({ sub: 'alice', rooms: ['a'] });
    await expect(verify(token, { roomId: 'r' })).resolves.toMatchObject({ peerId: 'alice' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
    expect(await reasonOf(verify(`${header}.${forged}.${signature}`, { roomId: 'r' }))).toBe('signature');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0]! ^= 1;
    expect(await reasonOf(verify(`${header}.${payload}.${bytes.toString('base64url')}`, { roomId: 'r' }))).toBe('signature');
    const none = new UnsecuredJWT({ sub: 'mallory' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode();
    expect(await reasonOf(verify(none, { roomId: 'r' }))).toBe('algorithm');
  });
});

/** A loopback server with `listener`, for the length of `use`. */
async function withServer<T>(listener: RequestListener, use: (url: string) => Promise<T>): Promise<T> {
  const jwks = createServer(listener);
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  try {
    return await use(`http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`);
  } finally {
    jwks.closeAllConnections();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  }
}

/** The JWKS verifier behind the real authorizer: what API Gateway gets, and the log lines. */
async function authorizeWith(url: string) {
  const lines: Array<Record<string, unknown>> = [];
  const authorize = createAuthorizer(jwksVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE }), createLogger('debug', (line) => lines.push(JSON.parse(line))));
  const token = await idToken({ sub: 'u' });
  const outcome = await authorize({ methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect', queryStringParameters: { token, roomId: 'r' }, requestContext: { connectionId: 'c1' } }).then(
    () => 'allowed',
    (e: Error) => e.message,
  );
  return { outcome, lines, token };
}

/** A refusal API Gateway answers 401, logged once as a warning with its reason and never the token. */
function expectRefused({ outcome, lines, token }: Awaited<ReturnType<typeof authorizeWith>>, reason: string) {
  expect(outcome).toBe('Unauthorized');
  // The client's token is a warning; a key set the authorizer cannot fetch is the operator's error (it alarms).
  const level = reason === 'jwks-unavailable' ? 'error' : 'warn';
  expect(lines).toEqual([expect.objectContaining({ level, message: 'connect refused', outcome: 'unauthorized', reason, connectionId: 'c1' })]);
  expect(JSON.stringify(lines)).not.toContain(token);
}

describe('an unavailable JWKS', () => {
  it('one that never answers: jwks-unavailable after jose\'s 5 s timeout, answered 401 and logged as an error', async () => {
    const started = Date.now();
    const result = await withServer(() => {}, authorizeWith);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expectRefused(result, 'jwks-unavailable');
  }, 20_000);

  it('one that answers something that is not a key set: jwks-unavailable, 401, an error', async () => {
    const result = await withServer((_req, res) => res.setHeader('content-type', 'application/json').end('{"error":"maintenance"}'), authorizeWith);
    expectRefused(result, 'jwks-unavailable');
  });

  it('a refused connection: jwks-unavailable', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    expectRefused(await authorizeWith('http://127.0.0.1:1/.well-known/jwks.json'), 'jwks-unavailable');
  });

  it('an HTTP 503: jwks-unavailable', async () => {
    expectRefused(await withServer((_req, res) => res.writeHead(503).end(), authorizeWith), 'jwks-unavailable');
  });
});
