/**
 * `npm run client` end to end: two client processes against the local stack
 * (room relay on embedded dynalite), the way a person would try a deployed stack.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalStack, type LocalStack } from '../../local/start-local-stack.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Client {
  proc: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching, waiting for it if needed. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  type(text: string): void;
  exit: Promise<number | null>;
}

function client(args: string[]): Client {
  const proc = spawn(TSX, [path.join(ROOT, 'bin', 'client.ts'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffer = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const l of lines) {
      stdout.push(l);
      for (const w of [...waiters]) if (w.pattern.test(l)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(l);
    }
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    stdout,
    stderr,
    exit,
    type: (text) => proc.stdin.write(text),
    line(pattern, timeoutMs = 15_000) {
      const found = stdout.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no stdout line matching ${pattern} in ${timeoutMs} ms\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

describe('GIVEN the local stack serving the room relay', () => {
  let stack: LocalStack;
  const spawned: Client[] = [];
  const start = (args: string[]) => {
    const c = client(args);
    spawned.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, logLevel: 'silent', dynamodb: 'dynalite', env: { LOG_LEVEL: 'error' } });
  }, 60_000);

  afterAll(async () => {
    for (const c of spawned) if (c.proc.exitCode === null) c.proc.kill();
    await stack?.stop();
  });

  it('WHEN bob joins (answering requests by hand) and alice joins, notifies and requests THEN both see it all', async () => {
    const bob = start([stack.url, '--room', 'lobby', '--peer', 'bob', '--data', '{"name":"Bob"}', '--manual']);
    await bob.line(/^<- response join ok \{"peers":\[\]\}$/);

    const alice = start([stack.url, '--room', 'lobby', '--peer', 'alice']);
    expect(await alice.line(/^<- response join ok/)).toBe('<- response join ok {"peers":[{"id":"bob","data":{"name":"Bob"}}]}');
    await bob.line(/^<- notification newPeer \{"id":"alice","data":\{\}\}$/);

    alice.type('peers\n');
    expect(await alice.line(/^<- response getPeers/)).toBe('<- response getPeers ok {"peers":[{"id":"bob","data":{"name":"Bob"}}]}');

    alice.type('request peerNotify {"method":"chat","data":{"text":"hi bob"}}\n');
    expect(await alice.line(/^<- response peerNotify/)).toBe('<- response peerNotify ok {"delivered":1}');
    await bob.line(/^<- notification chat \{"from":"alice","data":\{"text":"hi bob"\}\}$/);

    // bob holds the request, then rejects it with his own code and reason
    alice.type('request peerRequest {"peerId":"bob","method":"call","data":{"n":1}}\n');
    const incoming = await bob.line(/^<- request #\d+ call/);
    expect(incoming).toContain('{"from":"alice","data":{"n":1}}');
    const id = /#(\d+)/.exec(incoming)![1];
    bob.type(`reject ${id} 486 busy here\n`);
    expect(await alice.line(/^<- response peerRequest/)).toBe('<- response peerRequest error 486 busy here');

    // ... and accepts the next one with data
    alice.type('request peerRequest {"peerId":"bob","method":"call","data":{"n":2}}\n');
    const second = await bob.line(/^<- request #\d+ call .*"n":2/);
    bob.type(`accept ${/#(\d+)/.exec(second)![1]} {"answer":42}\n`);
    expect(await alice.line(/^<- response peerRequest ok/)).toBe('<- response peerRequest ok {"answer":42}');

    alice.type('request nosuch {}\n');
    expect(await alice.line(/^<- response nosuch/)).toMatch(/^<- response nosuch error 404 /);

    alice.type('quit\n');
    expect(await alice.exit).toBe(0);
    await bob.line(/^<- notification peerClosed \{"peerId":"alice"\}$/);

    bob.proc.stdin.end(); // Ctrl-D
    expect(await bob.exit).toBe(0);
  });

  it('WHEN commands are piped before the connection is up THEN they run after join, in order, and the client exits', async () => {
    const carol = start([stack.url, '--room', 'pipe', '--peer', 'carol']);
    carol.type('peers\nrequest peerNotify {"method":"x"}\n');
    carol.proc.stdin.end();
    expect(await carol.exit).toBe(0);
    expect(carol.stdout).toEqual([
      '<- response join ok {"peers":[]}',
      '<- response getPeers ok {"peers":[]}',
      '<- response peerNotify ok {"delivered":0}',
    ]);
  });

  it('WHEN the same peer id connects again THEN the old client is told peerReplaced and exits instead of reconnecting', async () => {
    const first = start([stack.url, '--room', 'dup', '--peer', 'dave']);
    await first.line(/^<- response join ok/);
    const second = start([stack.url, '--room', 'dup', '--peer', 'dave']);
    await second.line(/^<- response join ok/);
    expect(await first.line(/^<- notification peerReplaced/)).toBe('<- notification peerReplaced {"peerId":"dave"}');
    expect(await first.exit).toBe(0);
    // the room holds exactly one dave, bound to the second client
    const eve = start([stack.url, '--room', 'dup', '--peer', 'eve']);
    expect(await eve.line(/^<- response join ok/)).toBe('<- response join ok {"peers":[{"id":"dave","data":{}}]}');
    await second.line(/^<- notification newPeer \{"id":"eve"/);
    eve.proc.stdin.end();
    expect(await eve.exit).toBe(0);
    second.proc.stdin.end();
    expect(await second.exit).toBe(0);
  });

  it('WHEN the peer id is invalid THEN the handshake is refused and the client exits 1 without retrying forever', async () => {
    // The room relay refuses ids outside [A-Za-z0-9_.~-]{1,64}; the CLI would refuse them itself, so go around it.
    const bad = start([`${stack.url}?x=1`, '--room', 'r', '--peer', 'p', '--query', 'peerId=bad id', '--retries', '0']);
    bad.proc.stdin.end();
    expect(await bad.exit).toBe(1);
    expect(bad.stderr.join('\n')).toMatch(/connection attempt 1 failed/);
  });
});
