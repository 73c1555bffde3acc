import { generateKeyPair, SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../lambda/auth/auth-error.js';
import { createJoinToken, verifyJoinToken } from '../../../lambda/auth/join-token.js';

const SECRET = 'current-secret-current-secret-0123456789';
const OLD = 'previous-secret-previous-secret-012345678';
const key = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).reason;
}

/** A token signed by hand with jose, for shapes createJoinToken never makes. */
function signed(payload: Record<string, unknown>, alg = 'HS256', secret = SECRET) {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(key(secret));
}

describe('createJoinToken / verifyJoinToken', () => {
  it('round-trips roomId, peerId, exp and app claims', async () => {
    const token = await createJoinToken({ roomId: 'r1', peerId: 'alice', ttl: 600, claims: { role: 'host' } }, SECRET);
    const identity = await verifyJoinToken(token, { current: SECRET });
    expect(identity).toMatchObject({ roomId: 'r1', peerId: 'alice', claims: { role: 'host' } });
    expect(identity.exp).toBeGreaterThanOrEqual(now() + 599);
    expect(identity.exp).toBeLessThanOrEqual(now() + 601);
  });

  it('accepts a jose time span as ttl', async () => {
    const token = await createJoinToken({ roomId: 'r', peerId: 'p', ttl: '1h' }, SECRET);
    expect(decodeJwt(token).exp).toBeGreaterThan(now() + 3590);
    expect((await verifyJoinToken(token, { current: SECRET })).claims).toEqual({});
  });

  it('refuses to mint with a short secret, bad ids or a bad ttl', async () => {
    await expect(createJoinToken({ roomId: 'r', peerId: 'p', ttl: 60 }, 'short')).rejects.toThrow(/at least 32 bytes/);
    await expect(createJoinToken({ roomId: 'r r', peerId: 'p', ttl: 60 }, SECRET)).rejects.toThrow(/roomId/);
    await expect(createJoinToken({ roomId: 'r', peerId: '', ttl: 60 }, SECRET)).rejects.toThrow(/peerId/);
    await expect(createJoinToken({ roomId: 'r', peerId: 'p', ttl: 0 }, SECRET)).rejects.toThrow(/ttl/);
  });

  it('rejects alg "none"', async () => {
    const token = new UnsecuredJWT({ roomId: 'r', peerId: 'p' }).setExpirationTime('1h').encode();
    expect(await reasonOf(verifyJoinToken(token, { current: SECRET }))).toBe('algorithm');
  });

  it('rejects other HMAC algorithms signed with the same secret', async () => {
    const token = await signed({ roomId: 'r', peerId: 'p', exp: now() + 60 }, 'HS512');
    expect(await reasonOf(verifyJoinToken(token, { current: SECRET }))).toBe('algorithm');
  });

  it('rejects asymmetric algorithms', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ roomId: 'r', peerId: 'p', exp: now() + 60 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);
    expect(await reasonOf(verifyJoinToken(token, { current: SECRET }))).toBe('algorithm');
  });

  it('rejects an expired token beyond the 30 s skew, accepts one within it', async () => {
    const late = await signed({ roomId: 'r', peerId: 'p', exp: now() - 31 });
    expect(await reasonOf(verifyJoinToken(late, { current: SECRET }))).toBe('expired');
    const justExpired = await signed({ roomId: 'r', peerId: 'p', exp: now() - 20 });
    await expect(verifyJoinToken(justExpired, { current: SECRET })).resolves.toMatchObject({ peerId: 'p' });
  });

  it('rejects a not-yet-valid token beyond the skew, accepts one within it', async () => {
    const early = await signed({ roomId: 'r', peerId: 'p', nbf: now() + 120, exp: now() + 600 });
    expect(await reasonOf(verifyJoinToken(early, { current: SECRET }))).toBe('not-yet-valid');
    const slightlyEarly = await signed({ roomId: 'r', peerId: 'p', nbf: now() + 20, exp: now() + 600 });
    await expect(verifyJoinToken(slightlyEarly, { current: SECRET })).resolves.toMatchObject({ roomId: 'r' });
  });

  it('honours a custom skew', async () => {
    const token = await signed({ roomId: 'r', peerId: 'p', exp: now() - 20 });
    expect(await reasonOf(verifyJoinToken(token, { current: SECRET }, { clockSkewSeconds: 5 }))).toBe('expired');
  });

  it('rejects a tampered payload', async () => {
    const token = await createJoinToken({ roomId: 'r', peerId: 'alice', ttl: 600 }, SECRET);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, peerId: 'mallory' })).toString('base64url');
    expect(await reasonOf(verifyJoinToken(`${header}.${forged}.${signature}`, { current: SECRET }))).toBe('signature');
  });

  it('rejects a token signed with another secret', async () => {
    const token = await createJoinToken({ roomId: 'r', peerId: 'p', ttl: 600 }, 'some-other-secret-some-other-secret-0000');
    expect(await reasonOf(verifyJoinToken(token, { current: SECRET, previous: OLD }))).toBe('signature');
  });

  it('accepts a token signed with the previous secret (rotation)', async () => {
    const token = await createJoinToken({ roomId: 'r', peerId: 'p', ttl: 600 }, OLD);
    await expect(verifyJoinToken(token, { current: SECRET, previous: OLD })).resolves.toMatchObject({ peerId: 'p' });
    expect(await reasonOf(verifyJoinToken(token, { current: SECRET }))).toBe('signature');
  });

  it.each([
    ['roomId', { peerId: 'p', exp: now() + 60 }],
    ['peerId', { roomId: 'r', exp: now() + 60 }],
    ['exp', { roomId: 'r', peerId: 'p' }],
  ])('rejects a token without %s', async (_name, payload) => {
    expect(await reasonOf(verifyJoinToken(await signed(payload), { current: SECRET }))).toBe('missing-claim');
  });

  it('rejects ids the runtime could not use, and non-object claims', async () => {
    const badPeer = await signed({ roomId: 'r', peerId: 'a/b', exp: now() + 60 });
    expect(await reasonOf(verifyJoinToken(badPeer, { current: SECRET }))).toBe('invalid-claim');
    const badClaims = await signed({ roomId: 'r', peerId: 'p', claims: 'admin', exp: now() + 60 });
    expect(await reasonOf(verifyJoinToken(badClaims, { current: SECRET }))).toBe('invalid-claim');
  });

  it('rejects garbage', async () => {
    expect(await reasonOf(verifyJoinToken('not-a-jwt', { current: SECRET }))).toBe('malformed');
  });
});
