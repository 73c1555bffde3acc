/**
 * The cold start of the deployed bundle, on this machine: `npx tsx bench/cold-start.ts`
 * (npm run bench runs it too, through bench/cold-start-hook.ts).
 *
 * 1. Bundles lambda/entry.ts as the construct does (DEFAULT_BUNDLING, the
 *    Lambda runtime's Node target) into a temporary directory; with
 *    BENCH_BASELINE_ROOT, the baseline checkout's too.
 * 2. Import: a fresh `node --enable-source-maps` per run imports the bundle
 *    (Lambda's init phase); node's own start-up is measured alone beside it,
 *    and so is `require('protoo-server')` when it can be resolved (a
 *    devDependency, or NODE_PATH).
 * 3. First invocations: the local stack (embedded dynalite, its Management
 *    API, real protoo-clients) forwards every route's event to fresh node
 *    processes that run the bundle, as Lambda containers would: one process
 *    for all three routes (`handler`, the default), or one per route
 *    (`connect`, `disconnect`, `message`: functionPerRoute). Each room: a
 *    joins, b joins, a asks getPeers, b leaves, a leaves.
 *
 * Prints a table, then the same figures as one line of JSON. Times are
 * wall-clock milliseconds inside the function's process (handler start to
 * result) and its CPU time; medians over BENCH_COLD_ROUNDS (5) rooms and
 * BENCH_COLD_IMPORTS (10) imports. On Lambda a 256 MB function gets about a
 * seventh of a vCPU, so the CPU-bound part takes several times longer there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

import { DEFAULT_BUNDLING, DEFAULT_ENTRY, DISPATCHER_EXPORT, ROUTES, RUNTIME, type RouteName } from '../infra/protoo-websocket-api.js';
import { startLocalStack, type LocalStack } from '../local/start-local-stack.js';
import type { RouteResult, WebSocketEvent } from '../local/types.js';

const PACKAGE_ROOT = path.resolve(path.dirname(DEFAULT_ENTRY), '..');
const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 5);
const IMPORTS = Number(process.env.BENCH_COLD_IMPORTS ?? 10);
const require = createRequire(import.meta.url);
const protooClient = require('protoo-client') as {
  Peer: new (transport: unknown) => ClientPeer;
  WebSocketTransport: new (url: string, options?: { retry?: { retries: number } }) => unknown;
};
interface ClientPeer {
  once(event: string, listener: (...args: any[]) => void): void;
  on(event: string, listener: (...args: any[]) => void): void;
  request(method: string, data?: unknown): Promise<any>;
  close(): void;
}

/** What the Lambda environment gives the function (plus the stack's endpoints). */
const LAMBDA_ENV = {
  AWS_LAMBDA_FUNCTION_NAME: 'protoo-cold-start',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_METRICS_NAMESPACE: 'bench',
  POWERTOOLS_SERVICE_NAME: 'bench',
  // No X-Ray daemon here: tracing's cost is not in these figures.
  POWERTOOLS_TRACE_ENABLED: 'false',
};

/** lambda/entry.ts of a checkout, bundled as the construct bundles it. */
async function bundle(entry: string, dir: string): Promise<string> {
  const outfile = path.join(dir, 'index.mjs');
  const options = DEFAULT_BUNDLING;
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
    format: 'esm',
    mainFields: options.mainFields,
    banner: { js: options.banner ?? '' },
    minify: options.minify,
    sourcemap: options.sourceMap,
    sourcesContent: options.sourcesContent,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/** Runs `script` in a fresh node process; its last stdout line is JSON. */
function runFresh(script: string, env: NodeJS.ProcessEnv = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

/** Wall and CPU milliseconds, per fresh process: node's own start-up, then `load` (an import or a require). */
interface LoadTimes {
  bootMs: number[];
  loadMs: number[];
  loadCpuMs: number[];
}

async function loadTimes(load: string, env: NodeJS.ProcessEnv): Promise<LoadTimes> {
  const script =
    `const boot = performance.now(); const cpu = process.cpuUsage(); ${load}; const used = process.cpuUsage(cpu);` +
    `console.log(JSON.stringify({ boot, loaded: performance.now() - boot, cpu: (used.user + used.system) / 1000 }));`;
  const times: LoadTimes = { bootMs: [], loadMs: [], loadCpuMs: [] };
  for (let i = 0; i < IMPORTS; i++) {
    const { boot, loaded, cpu } = await runFresh(script, env);
    times.bootMs.push(boot);
    times.loadMs.push(loaded);
    times.loadCpuMs.push(cpu);
  }
  return times;
}

interface Invocation {
  /** What the room was doing: "a $connect", "a join", … */
  step: string;
  container: number;
  /** 1 for the container's first invocation (its cold start). */
  nth: number;
  ms: number;
  cpuMs: number;
}

/** The function's process, as a Lambda container: init (import), then one invocation at a time. */
const CONTAINER = (bundleUrl: string, exportName: string) => `
const started = performance.now();
const m = await import(${JSON.stringify(bundleUrl)});
process.send({ ready: true, importMs: performance.now() - started });
let nth = 0;
process.on('message', async ({ id, event }) => {
  const deadline = Date.now() + 10_000;
  const context = { functionName: 'protoo-cold-start', awsRequestId: id, getRemainingTimeInMillis: () => deadline - Date.now() };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = await m[${JSON.stringify(exportName)}](event, context);
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  process.send({ id, result, nth: ++nth, ms, cpuMs: (used.user + used.system) / 1000 });
});`;

class Container {
  private readonly child: ChildProcess;
  private readonly pending = new Map<string, (answer: any) => void>();
  private next = 0;
  readonly ready: Promise<number>;

  constructor(
    bundleUrl: string,
    exportName: string,
    env: NodeJS.ProcessEnv,
    readonly index: number,
    private readonly record: (invocation: Invocation) => void,
  ) {
    this.child = spawn(process.execPath, ['--input-type=module', '-e', CONTAINER(bundleUrl, exportName)], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve) => this.child.once('message', (m: any) => resolve(m.importMs)));
    this.child.on('message', (m: any) => this.pending.get(m.id)?.(m));
  }

  invoke = (event: WebSocketEvent): Promise<RouteResult> => {
    const id = `r${this.next++}`;
    const at = step;
    return new Promise((resolve) => {
      this.pending.set(id, (answer) => {
        this.pending.delete(id);
        this.record({ step: at, container: this.index, nth: answer.nth, ms: answer.ms, cpuMs: answer.cpuMs });
        resolve(answer.result);
      });
      this.child.send({ id, event });
    });
  };

  stop(): void {
    this.child.kill();
  }
}

function openPeer(url: string, room: string, peerId: string): Promise<ClientPeer> {
  const peer = new protooClient.Peer(new protooClient.WebSocketTransport(`${url}?roomId=${room}&peerId=${peerId}`, { retry: { retries: 0 } }));
  return new Promise((resolve, reject) => {
    peer.once('open', () => resolve(peer));
    peer.once('failed', () => reject(new Error(`${peerId} could not connect`)));
  });
}

function until(peer: ClientPeer, method: string): Promise<void> {
  return new Promise((resolve) => peer.on('notification', (n: { method: string }) => n.method === method && resolve()));
}

/** A room's life, one step after another; each step is one invocation. */
const STEPS = ['a $connect', 'a join', 'b $connect', 'b join', 'a getPeers', 'b $disconnect', 'a $disconnect'] as const;
let step = '';

/** One room's life on fresh containers: one for every route, or one per route. */
async function room(stackEnv: NodeJS.ProcessEnv, bundleUrl: string, perRoute: boolean, round: number, invocations: Invocation[]) {
  const env = { ...process.env, ...LAMBDA_ENV, ...stackEnv };
  const names = Object.keys(ROUTES) as RouteName[];
  const containers = perRoute
    ? names.map((name, i) => new Container(bundleUrl, ROUTES[name].exportName, env, i, (x) => invocations.push(x)))
    : [new Container(bundleUrl, DISPATCHER_EXPORT, env, 0, (x) => invocations.push(x))];
  await Promise.all(containers.map((c) => c.ready));
  const serving = (name: RouteName) => (perRoute ? containers[names.indexOf(name)] : containers[0]);
  routeTo.connect = serving('connect').invoke;
  routeTo.disconnect = serving('disconnect').invoke;
  routeTo.message = serving('message').invoke;
  try {
    const roomId = `cold-${perRoute ? 'per-route' : 'one'}-${round}`;
    step = STEPS[0];
    const a = await openPeer(stack.url, roomId, 'a');
    step = STEPS[1];
    await a.request('join', { data: { name: 'a' } });
    const greeted = until(a, 'newPeer');
    step = STEPS[2];
    const b = await openPeer(stack.url, roomId, 'b');
    step = STEPS[3];
    await b.request('join', { data: { name: 'b' } });
    await greeted;
    step = STEPS[4];
    await a.request('getPeers');
    const left = until(a, 'peerClosed');
    step = STEPS[5];
    b.close();
    await left;
    step = STEPS[6];
    a.close();
    // The room is over when a's $disconnect has run too.
    await waitFor(() => invocations.filter((x) => x.step === STEPS[6]).length > round);
  } finally {
    for (const c of containers) c.stop();
  }
}

async function waitFor(done: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting for the last $disconnect');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// The stack's handlers forward to whichever containers the current room uses.
const routeTo: Record<RouteName, (event: WebSocketEvent) => Promise<RouteResult>> = {
  connect: async () => ({ statusCode: 500 }),
  disconnect: async () => ({ statusCode: 200 }),
  message: async () => ({ statusCode: 200 }),
};
let stack: LocalStack;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Median, min and max, rounded to 0.1 ms. */
const stats = (xs: number[]) => (xs.length ? { median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) } : undefined);
const round = (x: number) => Math.round(x * 10) / 10;
const fmt = (xs: number[]) => (xs.length ? `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` : '—');

type Row = [what: string, value: string, note: string];

/** Import of a bundle of `entry` (this checkout's, or the baseline's), its size, and rows for the table. */
async function measureImport(label: string, entryRoot: string, dir: string, rows: Row[]) {
  const file = await bundle(path.join(entryRoot, 'lambda', 'entry.ts'), dir);
  const bytes = statSync(file).size;
  const times = await loadTimes(`await import(${JSON.stringify(pathToFileURL(file).href)})`, { ...LAMBDA_ENV, TABLE_NAME: 'cold-start' });
  rows.push([`${label}: bundle`, `${(bytes / 1024).toFixed(1)} KiB`, 'index.mjs, AWS SDK and Powertools included']);
  rows.push([`${label}: import`, `${fmt(times.loadMs)}, CPU ${median(times.loadCpuMs).toFixed(1)}`, 'Lambda init: module evaluation, clients not yet built']);
  return { file, result: { bundleBytes: bytes, importMs: stats(times.loadMs), importCpuMs: stats(times.loadCpuMs) } };
}

/** One room after another on fresh containers, for one layout: each step's time, and whether its container was cold. */
async function measureInvocations(perRoute: boolean, bundleUrl: string, stackEnv: NodeJS.ProcessEnv) {
  const invocations: Invocation[] = [];
  for (let round = 0; round < ROUNDS; round++) await room(stackEnv, bundleUrl, perRoute, round, invocations);
  return Object.fromEntries(
    STEPS.map((name) => {
      const xs = invocations.filter((x) => x.step === name);
      const cold = xs.filter((x) => x.nth === 1).length;
      return [name, { ms: stats(xs.map((x) => x.ms)), cpuMs: stats(xs.map((x) => x.cpuMs)), coldShare: xs.length ? cold / xs.length : 0 }];
    }),
  );
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = mkdtempSync(path.join(tmpdir(), 'protoo-cold-start-'));
  const rows: Row[] = [];
  const json: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, rounds: ROUNDS, imports: IMPORTS };
  try {
    const bare = await loadTimes('', { ...LAMBDA_ENV });
    rows.push(['node start-up', fmt(bare.bootMs), 'an empty ES module script, --enable-source-maps']);
    json.nodeStartupMs = stats(bare.bootMs);

    const current = await measureImport('this checkout', PACKAGE_ROOT, path.join(dir, 'current'), rows);
    json.current = current.result;
    const baselineRoot = process.env.BENCH_BASELINE_ROOT;
    if (baselineRoot) {
      try {
        json.baseline = (await measureImport('baseline', baselineRoot, path.join(dir, 'baseline'), rows)).result;
      } catch (error) {
        rows.push(['baseline: import', '—', `could not bundle ${baselineRoot}: ${String(error).split('\n')[0]}`]);
      }
    }

    const server = resolveProtooServer();
    if (server) {
      const required = await loadTimes(`(await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(server)})`, {});
      rows.push(['protoo-server: require', `${fmt(required.loadMs)}, CPU ${median(required.loadCpuMs).toFixed(1)}`, server.replace(/.*node_modules\//, '')]);
      json.protooServer = { requireMs: stats(required.loadMs), requireCpuMs: stats(required.loadCpuMs) };
    } else {
      rows.push(['protoo-server: require', '—', 'not installed (a devDependency, or NODE_PATH, makes it measured)']);
    }

    stack = await startLocalStack({
      handlers: { connect: (e) => routeTo.connect(e), disconnect: (e) => routeTo.disconnect(e), message: (e) => routeTo.message(e) },
      keepAlive: false,
      logLevel: 'error',
    });
    const stackEnv = { TABLE_NAME: stack.tableName, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint! };
    const bundleUrl = pathToFileURL(current.file).href;
    const one = await measureInvocations(false, bundleUrl, stackEnv);
    const perRoute = await measureInvocations(true, bundleUrl, stackEnv);
    json.oneFunction = one;
    json.functionPerRoute = perRoute;

    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`cold start, ${json.date}, node ${process.version}: median (min–max) wall ms, median CPU ms`);
    for (const [what, value, note] of rows) console.log(`${what.padEnd(width)}  ${value.padEnd(34)}  ${note}`);
    console.log(`\nA room on fresh containers (${ROUNDS} rooms): handler wall ms (CPU ms), "cold" = the container's first invocation`);
    const cell = (x: (typeof one)[string]) => `${x.ms?.median.toFixed(1)} (${x.cpuMs?.median.toFixed(1)})${x.coldShare === 1 ? ' cold' : x.coldShare > 0 ? ' cold at times' : ''}`;
    console.log(`${'step'.padEnd(14)}  ${'one function'.padEnd(22)}  function per route`);
    for (const name of STEPS) console.log(`${name.padEnd(14)}  ${cell(one[name]).padEnd(22)}  ${cell(perRoute[name])}`);
    const colds = (m: typeof one) => STEPS.filter((name) => m[name].coldShare === 1).length;
    console.log(`${'cold starts'.padEnd(14)}  ${String(colds(one)).padEnd(22)}  ${colds(perRoute)}`);
    console.log(JSON.stringify(json));
  } finally {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function resolveProtooServer(): string | undefined {
  try {
    return require.resolve('protoo-server');
  } catch {
    return undefined;
  }
}

await main();
