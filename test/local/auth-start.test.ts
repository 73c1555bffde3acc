/** `LOCAL_AUTH=token npm start`: the deployed authorizer, with a development secret printed at start. */
import { describe, expect, it } from 'vitest';
import { createJoinToken } from '../../lambda/auth/join-token.js';
import { readSettings } from '../../local/settings.js';
import { createPeer, handshakeStatus, once } from '../integration/support/protoo.js';
import { startCli } from './start-cli.js';

describe('LOCAL_AUTH settings', () => {
  it('anonymous by default; token with a given or generated secret; bad values refused with one line', () => {
    expect(readSettings({}).localAuth).toBeUndefined();
    expect(readSettings({ LOCAL_AUTH: 'none' }).localAuth).toBeUndefined();
    expect(readSettings({ LOCAL_AUTH: 'token' }).localAuth).toEqual({ secret: undefined });
    expect(readSettings({ LOCAL_AUTH: 'token', LOCAL_AUTH_SECRET: 'x'.repeat(32) }).localAuth).toEqual({ secret: 'x'.repeat(32) });
    expect(() => readSettings({ LOCAL_AUTH: 'jwt' })).toThrow('LOCAL_AUTH must be one of none, token, got "jwt"');
    expect(() => readSettings({ LOCAL_AUTH: 'token', LOCAL_AUTH_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => readSettings({ LOCAL_AUTH_SECRET: 'x'.repeat(32) })).toThrow(/needs LOCAL_AUTH=token/);
  });
});

describe('LOCAL_AUTH=token npm start', () => {
  it('prints a development secret; a token signed with it connects, none gets 401', async () => {
    const { child, url, exited, stdout: output } = await startCli({
      ...process.env,
      PORT: '0',
      LOCAL_AUTH: 'token',
      LOCAL_STACK_LOG: 'warn',
      LOG_LEVEL: 'error',
      DYNAMODB_ENDPOINT: '',
      DYNAMODB_ENGINE: '',
    });
    try {
      const stdout = output();
      const secret = /Dev secret: +(\S+)/.exec(stdout)?.[1];
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(stdout).toContain(`npm run token -- --room ROOM --peer PEER --secret ${secret} --url ${url}`);

      expect(await handshakeStatus(`${url}?roomId=r&peerId=alice`, 'protoo')).toBe(401);
      const token = await createJoinToken({ roomId: 'r', peerId: 'alice', ttl: 60 }, secret!);
      const peer = createPeer(`${url}?token=${token}`);
      await once(peer, 'open');
      expect(await peer.request('join')).toEqual({ peers: [] });
      peer.close();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
