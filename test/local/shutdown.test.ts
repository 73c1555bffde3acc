/**
 * `npm start` stops like a well-behaved dev server: SIGINT or SIGTERM sent
 * to npm, to node, or to the whole process group (a terminal's Ctrl-C)
 * closes every connection with its `$disconnect` while the DynamoDB engine
 * is still up, exits 0 as docs/local-stack.md says, frees the port, and
 * leaves no process behind (tsx's esbuild service, DynamoDB Local's java).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every live process's parent, from /proc (zombies count as gone). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid …; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') map.set(Number(entry), Number(ppid));
    } catch {
      // exited while we read
    }
  }
  return map;
}

function descendants(root: number): number[] {
  const all = parents();
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of all) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '(gone)';
  }
}

/** The pids still alive once they had `ms` to go (esbuild leaves when its pipe closes). */
async function survivors(pids: number[], ms = 3000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = parents();
    const left = pids.filter((pid) => alive.has(pid));
    if (left.length === 0 || Date.now() > deadline) return left.map((pid) => `${pid} ${commandOf(pid)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

interface Running {
  npm: ChildProcessByStdio<null, Readable, Readable>;
  url: string;
  port: number;
  dynamodbPort?: number;
  /** Its descendants when it was signalled: orphans outlive npm. */
  tree: number[];
  output: () => string;
  exited: Promise<number | null>;
}

const started: Running[] = [];
afterAll(() => {
  // A failed test must not leave a stack behind.
  for (const run of started.splice(0)) {
    for (const pid of new Set([run.npm.pid!, ...run.tree, ...descendants(run.npm.pid!)])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

/** `npm start` in its own process group (as a terminal runs it); resolves once it printed its URL. */
async function npmStart(env: Record<string, string>): Promise<Running> {
  const run = npmSpawn(env);
  await new Promise<void>((ready, fail) => {
    // Generous: under a full parallel `npm test`, DynamoDB Local took over 20 s to boot.
    const timer = setTimeout(() => fail(new Error(`npm start printed no URL in 60 s:\n${run.output()}`)), 60_000);
    run.npm.stdout.on('data', () => {
      const output = run.output();
      const url = /^(ws:\/\/127\.0\.0\.1:(\d+)\/local)$/m.exec(output);
      if (!url) return;
      clearTimeout(timer);
      run.url = url[1]!;
      run.port = Number(url[2]);
      const engine = /DynamoDB: \S+ at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (engine) run.dynamodbPort = Number(engine[1]);
      ready();
    });
    run.npm.on('exit', (code) => fail(new Error(`npm start exited ${code}:\n${run.output()}`)));
  });
  return run;
}

function npmSpawn(env: Record<string, string>): Running {
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: '0', DYNAMODB_ENDPOINT: '', LOCAL_STACK_LOG: 'warn', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (c) => (output += c));
  npm.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((done) => npm.on('exit', (code) => done(code)));
  const run: Running = { npm, url: '', port: 0, tree: [], output: () => output, exited };
  started.push(run);
  return run;
}

/** Signals, then checks: documented exit code 0, port(s) free, no descendant left. */
async function stopAndCheck(run: Running, send: (tree: number[]) => void): Promise<void> {
  const tree = descendants(run.npm.pid!);
  run.tree = tree;
  const commands = tree.map(commandOf);
  send(tree);
  expect(await run.exited, run.output()).toBe(0);
  expect(await survivors(tree)).toEqual([]);
  if (run.port) expect(await portIsFree(run.port)).toBe(true);
  if (run.dynamodbPort) expect(await portIsFree(run.dynamodbPort)).toBe(true);
  // npm → node (→ esbuild, java): no shell or tsx wrapper in between to drop a signal.
  expect(commands[0]).toMatch(/^node --import tsx local\/start\.ts/);
}

// Concurrent: each case is mostly waiting for processes to start and stop
// (~16 s for the file on a quiet machine). The timeout is for a loaded one.
describe.concurrent('npm start stops cleanly and leaves nothing behind', { timeout: 90_000 }, () => {
  it('SIGTERM to the npm process (kill <pid of npm start>)', async () => {
    const run = await npmStart({});
    await stopAndCheck(run, () => process.kill(run.npm.pid!, 'SIGTERM'));
    expect(run.output()).toMatch(/SIGTERM: closing connections and stopping/);
  });

  it('SIGINT to the npm process', async () => {
    const run = await npmStart({});
    await stopAndCheck(run, () => process.kill(run.npm.pid!, 'SIGINT'));
  });

  it('SIGTERM to node itself; npm then exits 0 as well', async () => {
    const run = await npmStart({});
    await stopAndCheck(run, (tree) => process.kill(tree[0]!, 'SIGTERM'));
  });

  it('Ctrl-C on DynamoDB Local: the joined peer gets its $disconnect while the engine is still up', async () => {
    const run = await npmStart({ DYNAMODB_ENGINE: 'dynamodb-local' });
    expect(run.dynamodbPort).toBeGreaterThan(0);
    const alice = await connect(`${run.url}?roomId=demo&peerId=alice`);
    alice.ws.send(JSON.stringify({ request: true, id: 1, method: 'join', data: {} }));
    expect(JSON.parse(await alice.next())).toMatchObject({ response: true, id: 1, ok: true });

    // A terminal's Ctrl-C: SIGINT to every process in npm's group at once
    // (npm forwards it to node too, so node sees it twice).
    await stopAndCheck(run, () => process.kill(-run.npm.pid!, 'SIGINT'));
    expect((await alice.closed).code).toBe(1001);
    const disconnects = run
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"$disconnect"'))
      .map((line) => JSON.parse(line));
    expect(disconnects).toEqual([expect.objectContaining({ message: 'disconnect', outcome: 'disconnected', peerId: 'alice' })]);
    expect(run.output()).not.toMatch(/ECONNREFUSED|second SIGINT/);
  });

  it('SIGTERM while DynamoDB Local is still starting: java is not left behind', async () => {
    const run = npmSpawn({ DYNAMODB_ENGINE: 'dynamodb-local' });
    // No event tells when java was spawned: look for it in the process tree.
    const deadline = Date.now() + 30_000;
    while (!descendants(run.npm.pid!).some((pid) => commandOf(pid).startsWith('java '))) {
      expect(Date.now(), `no java started:\n${run.output()}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopAndCheck(run, () => process.kill(run.npm.pid!, 'SIGTERM'));
    expect(run.output()).toContain('SIGTERM while starting: exiting');
  });
});
