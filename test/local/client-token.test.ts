/**
 * `npm run client -- … --secret S` against a local stack in token mode
 * (the authorizer `LOCAL_AUTH=token npm start` installs): the client mints
 * its own join token and gets in; without one it is refused with 401.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenAuth } from '../../local/token-auth.js';
import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';

const SECRET = 'client-test-secret-client-test-secret-01';
let stack: LocalStack;

beforeAll(async () => {
  const { authorizer } = await localTokenAuth({ secret: SECRET }, 'silent');
  stack = await startLocalStack({ handlers: 'lambda/entry.ts', dynamodb: 'dynalite', logLevel: 'error', env: { LOG_LEVEL: 'error' }, authorizer });
}, 60_000);
afterAll(() => stack?.stop());

/** Runs the client with stdin open, sends `lines`, then closes stdin; resolves with its exit code and output. */
function runClient(args: string[], lines: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/client.ts', ...args, '--retries', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // Once the join is answered, run the commands (the last one quits).
  const maybeSend = () => {
    if (/join/.test(stdout) && lines.length > 0) for (const line of lines.splice(0)) child.stdin.write(`${line}\n`);
  };
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    maybeSend();
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run client in token mode', () => {
  it('--secret mints a join token: the client joins as its peer', async () => {
    const { code, stdout, stderr } = await runClient([stack.url, '--room', 'tok', '--peer', 'cli', '--secret', SECRET], ['peers', 'quit']);
    expect(stderr).toContain('connected');
    expect(stderr).not.toMatch(/failed|error/i);
    expect(stdout).toMatch(/join/);
    expect(stdout).toMatch(/getPeers/);
    expect(code).toBe(0);
  }, 30_000);

  it('without a token the handshake is refused with 401', async () => {
    const { code, stderr } = await runClient([stack.url, '--room', 'tok', '--peer', 'cli'], []);
    expect(code).toBe(1);
    expect(stderr).toContain('handshake refused: HTTP 401');
  }, 30_000);
});
