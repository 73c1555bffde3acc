/**
 * The benchmark's process tree: the parent starts each measured party (the
 * loopback AWS services, a runtime's handlers, a server) in a child of its
 * own, so that a child's CPU time is its own work only, and talks to it by
 * request/answer messages over Node's IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Worker {
  readonly pid: number;
  readonly name: string;
  call<T = unknown>(command: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
  /** Ends it at once (SIGKILL): nothing it holds is worth a graceful stop. */
  kill(): Promise<void>;
}

type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The benchmark's own files, by name: `benchFile('loopback-aws.ts')`. */
export function benchFile(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** Starts `script` under tsx and resolves once it says it is ready. */
export function startWorker(name: string, script: string, options: { args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; quiet?: boolean } = {}): Promise<Worker> {
  const child: ChildProcess = fork(script, options.args ?? [], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    cwd: options.cwd,
    // quiet: the child's log lines (still written and paid for) go nowhere; the end of stderr is kept for a crash.
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', options.quiet ? 'pipe' : 'inherit', 'ipc'],
    // Structured clone: Sets, Maps and bigints cross as they are.
    serialization: 'advanced',
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let exited: Error | undefined;
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000)));
  const failAll = (error: Error) => {
    exited = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      const error = new Error(`${name} (pid ${child.pid}) exited with ${signal ?? code}${stderrTail ? `; its stderr ended with:\n${stderrTail}` : ''}`);
      failAll(error);
      reject(error);
    });
    child.on('message', (message: Answer | { ready: true }) => {
      if ('ready' in message) {
        resolve(worker);
        return;
      }
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    const worker: Worker = {
      pid: child.pid!,
      name,
      call<T>(command: string, args?: unknown) {
        if (exited) return Promise.reject(exited);
        const id = nextId++;
        return new Promise<T>((resolveCall, rejectCall) => {
          pending.set(id, { resolve: resolveCall as (value: unknown) => void, reject: rejectCall });
          child.send({ id, command, args });
        });
      },
      async stop() {
        if (exited) return;
        const gone = new Promise<void>((done) => child.once('exit', () => done()));
        child.send({ id: 0, command: '__stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      },
      async kill() {
        if (exited) return;
        const gone = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGKILL');
        await gone;
      },
    };
  });
}

/** The child's side: answers the parent's commands until told to stop. */
export function serveWorker(commands: Record<string, (args: any) => unknown>, onStop?: () => Promise<void>): void {
  process.on('message', async (message: { id: number; command: string; args: unknown }) => {
    if (message.command === '__stop') {
      try {
        await onStop?.();
      } finally {
        process.exit(0);
      }
    }
    const command = commands[message.command];
    try {
      if (!command) throw new Error(`unknown command ${message.command}`);
      const value = await command(message.args);
      process.send!({ id: message.id, ok: true, value });
    } catch (error) {
      process.send!({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  // The parent went away: do not linger.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}
