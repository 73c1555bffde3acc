/**
 * npm run bench [-- --quick] [-- --baseline [commit]] [-- --json file] [-- --broadcast 50,200,500] [-- --skip e2e,fanout,…]
 *
 * A benchmark, not a test: one process tree on this machine (every party
 * in its own child process), printing Markdown tables and, last, one JSON
 * document. What it measures, section by section:
 *
 *   handler   AWS calls, request units and handler CPU per message (real SDK
 *             clients against loopback dynalite and Management API; and the
 *             in-memory fakes), with the runtime of another commit alongside
 *   sdk       one PostToConnection: the runtime's client, a default SDK
 *             client, a raw SigV4-signed request, an unsigned request
 *   fanout    a broadcast to 1,000 peers with 20 ms per Management API call
 *   e2e       protoo-client load against the local stack and protoo-server
 *             4.0.8 (and the baseline's local stack): requests, relays,
 *             broadcasts, joins
 *   cold      cold start (bench/cold-start.ts, when present)
 *   cost      $ per million messages at list prices (--cost-doc also writes
 *             that table into docs/deploy.md, between its markers)
 *
 * --baseline alone means 3b9b70a, the runtime before issue 12's changes.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { checkOut, describeCheckout, DOCUMENTED_BASELINE, REPO_ROOT, type Checkout } from './baseline.js';
import { runColdStart, type ColdStartResult } from './cold-start-hook.js';
import { e2eBench, startTarget, type Scenario, type Target } from './e2e-bench.js';
import { fanOutWithLatency, handlerBench, type FanOutFigures, type HandlerReport } from './handler-bench.js';
import { benchFile } from './ipc.js';
import { COST_DOC, writeCostSection } from './cost-doc.js';
import { PRICES } from './pricing.js';
import { protooClientVersion } from './protoo-load.js';
import { costRows, costTable, e2eTable, fanOutTable, handlerTables, postCostTable } from './report.js';
import { startRuntimeSide, stopRuntimeSide, type RuntimeSide } from './runtime-side.js';
import type { PostCost } from './sdk-cost.js';
import { fmt, round } from './stats.js';
import { targetsSummary } from './targets.js';

const SECTIONS = ['handler', 'sdk', 'fanout', 'e2e', 'cold', 'cost'] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: string[]) {
  const options = { quick: false, baseline: undefined as string | undefined, json: undefined as string | undefined, broadcast: undefined as number[] | undefined, skip: new Set<Section>(), costDoc: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : undefined);
    if (arg === '--quick') options.quick = true;
    else if (arg === '--baseline') options.baseline = value() ?? DOCUMENTED_BASELINE;
    else if (arg === '--json') options.json = value();
    else if (arg === '--cost-doc') options.costDoc = true;
    else if (arg === '--broadcast') options.broadcast = (value() ?? '').split(',').map(Number).filter((n) => n > 1);
    else if (arg === '--skip') for (const s of (value() ?? '').split(',')) options.skip.add(s as Section);
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'npm run bench -- [--quick] [--baseline [commit]] [--json file] [--broadcast 50,200,500] [--skip handler,sdk,fanout,e2e,cold,cost] [--cost-doc]',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
const quick = options.quick;
const settings = {
  handler: { roomSize: 10, rounds: quick ? 5 : 9, perRound: quick ? 20 : 40, dynamoLatencyMs: 5, managementLatencyMs: 20 },
  sdkPosts: quick ? 500 : 2000,
  fanOut: { recipients: 1000, latencyMs: 20, rounds: quick ? 3 : 5, baselineToo: !quick },
  e2e: {
    rounds: quick ? 2 : 5,
    sequentialRequests: quick ? 60 : 200,
    concurrentClients: 20,
    requestsPerClient: quick ? 6 : 20,
    relays: quick ? 20 : 50,
    broadcastSizes: options.broadcast ?? (quick ? [50] : [50, 200, 500]),
    broadcastRounds: quick ? 3 : 5,
  },
};
const want = (section: Section) => !options.skip.has(section);
const log = (line: string) => process.stderr.write(`${line}\n`);
const out = (text = '') => process.stdout.write(`${text}\n`);

const started = Date.now();
const currentLabel = `this checkout (${await describeCheckout()})`;
let checkout: Checkout | undefined;
const sides: RuntimeSide[] = [];
const json: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` },
  mode: quick ? 'quick' : 'full',
  current: currentLabel,
  settings,
  prices: PRICES,
};

let handlerReport: HandlerReport | undefined;
let fanOut: Record<string, FanOutFigures> | undefined;
let scenarios: Scenario[] | undefined;
let coldStart: ColdStartResult | undefined;
const postCosts: Record<string, PostCost[]> = {};

try {
  if (options.baseline) {
    log(`checking out ${options.baseline} into a temporary worktree…`);
    checkout = await checkOut(options.baseline);
    json.baseline = checkout.commit;
    // Interrupted: the worktree goes too (the children end with their IPC channel).
    process.once('SIGINT', () => void checkout?.remove().finally(() => process.exit(130)));
  }
  const baselineLabel = checkout ? `baseline ${checkout.commit}` : undefined;

  out(`# npm run bench (${quick ? 'quick' : 'full'}) — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`);
  out(`Runtime under test: ${currentLabel}${checkout ? `; baseline: ${checkout.commit} (its own worktree, same node_modules)` : ''}.`);
  out('Every party runs in its own child process; runs alternate between runtimes/servers, and each figure is the median run.');

  if (want('handler') || want('sdk') || want('fanout') || want('cost')) {
    sides.push(await startRuntimeSide(currentLabel, REPO_ROOT));
    if (checkout) sides.push(await startRuntimeSide(baselineLabel!, checkout.root));
  }

  if (want('handler') || want('cost')) {
    log('handler: AWS calls and CPU per message…');
    handlerReport = await handlerBench(sides, { ...settings.handler, log });
    out(`\n## Per message: AWS calls, request units, handler CPU (room of ${settings.handler.roomSize}, room-relay, one handler instance for every route)`);
    out('CPU µs: the handler process\'s CPU time per message. "SDK": lambda/entry.ts with its own AWS SDK v3 clients against embedded dynalite and a loopback Management API, each in another process. "fakes": the same app with in-memory clients at the SDK boundary (bench/fake-clients.ts), the runtime\'s own work only.');
    out(handlerTables(handlerReport, currentLabel, baselineLabel));
    json.handler = roundDeep(handlerReport);
  }

  if (want('sdk')) {
    log('sdk: the cost of one PostToConnection…');
    for (const side of sides) {
      postCosts[side.label] = await side.handler.call<PostCost[]>('postCost', { managementEndpoint: side.endpoints.managementEndpoint, connectionId: 'c0', times: settings.sdkPosts });
    }
    out(`\n## One PostToConnection, ${settings.sdkPosts} sequential posts per way, alternating (loopback Management API)`);
    out(postCostTable(postCosts));
    json.postToConnection = roundDeep(postCosts);
  }

  if (want('fanout')) {
    const fanSides = settings.fanOut.baselineToo ? sides : sides.slice(0, 1);
    log(`fanout: a broadcast to ${settings.fanOut.recipients} peers with ${settings.fanOut.latencyMs} ms per post…`);
    fanOut = await fanOutWithLatency(fanSides, { ...settings.fanOut, log });
    out(`\n## Fan-out with injected Management API latency: peerNotify to ${settings.fanOut.recipients} peers, ${settings.fanOut.latencyMs} ms per PostToConnection (target ≤ 400 ms)`);
    out('Delivered: from the request arriving at the handler until the last post was answered, on the clock all processes share.');
    out(fanOutTable(fanOut));
    json.fanOut = roundDeep(fanOut);
  }

  for (const side of sides.splice(0)) await stopRuntimeSide(side);

  if (want('e2e')) {
    log('e2e: protoo-client load against each server…');
    const targets: Target[] = [];
    try {
      targets.push(await startTarget('protoo-server 4.0.8', 'protoo-server'));
      targets.push(await startTarget(`local stack, ${currentLabel}`, 'local-stack', REPO_ROOT));
      if (checkout) targets.push(await startTarget(`local stack, ${baselineLabel}`, 'local-stack', checkout.root));
    } catch (error) {
      await Promise.all(targets.map((t) => t.worker.kill()));
      throw error;
    }
    scenarios = await e2eBench(targets, { ...settings.e2e, log });
    out(`\n## End to end: protoo-client ${protooClientVersion} peers against each server (${targets.map((t) => t.label).join(' / ')})`);
    out('Speed: how many times faster (or, below 1, slower) the local stack of this checkout is: throughput over throughput, or time over time inverted.');
    out(e2eTable(scenarios, { protoo: targets[0].label, current: targets[1].label, baseline: targets[2]?.label }));
    json.e2e = scenarios.map((s) => ({ name: s.name, unit: s.unit, better: s.better, values: roundDeep(s.values), runs: roundDeep(s.runs) }));
  }

  if (want('cold')) {
    const script = benchFile('cold-start.ts');
    if (existsSync(script)) {
      log('cold: bench/cold-start.ts…');
      coldStart = await runColdStart(script, { quick, baselineRoot: checkout?.root });
      out('\n## Cold start (bench/cold-start.ts)');
      out(`\`\`\`\n${coldStart.output.trim()}\n\`\`\`${coldStart.exitCode === 0 ? '' : `\n(exit code ${coldStart.exitCode})`}`);
      json.coldStart = coldStart.json ?? { output: coldStart.output };
    } else {
      out('\n## Cold start\nbench/cold-start.ts is not there yet: nothing measured (the hook runs it when it is).');
    }
  }

  if (want('cost') && handlerReport) {
    const latencies = { dynamoMs: settings.handler.dynamoLatencyMs, managementMs: settings.handler.managementLatencyMs };
    out(`\n## $ per million messages (${currentLabel}, room of ${settings.handler.roomSize})`);
    const table = costTable(handlerReport[currentLabel], latencies);
    out(table);
    json.costPerMillion = costRows(handlerReport[currentLabel]).map(({ op, cost }) => ({ op, ...roundDeep(cost) }));
    if (options.costDoc) {
      const machine = json.machine as { cpus: number; cpuModel?: string; node: string };
      const measured = `Measured by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)} (${machine.cpus} × ${machine.cpuModel ?? 'CPU'}, Node ${machine.node}), ${currentLabel}, a room of ${settings.handler.roomSize}:`;
      writeCostSection(COST_DOC, `${measured}\n\n${table}`);
      log(`cost: wrote the table into ${COST_DOC}`);
    }
  }

  const summary = targetsSummary({ handlerReport, fanOut, scenarios, current: currentLabel, baseline: baselineLabel, broadcastOf500: settings.e2e.broadcastSizes.includes(500) });
  out('\n## Issue 12 §2 targets');
  out(summary.text);
  json.targets = summary.json;
} finally {
  for (const side of sides) await stopRuntimeSide(side).catch(() => undefined);
  await checkout?.remove();
}

const seconds = (Date.now() - started) / 1000;
json.durationSeconds = Math.round(seconds);
out(`\nRun took ${fmt(seconds)} s.`);
out('\n```json');
out(JSON.stringify(json, null, 2));
out('```');
if (options.json) await writeFile(options.json, JSON.stringify(json, null, 2));

function roundDeep<T>(value: T): T {
  if (typeof value === 'number') return round(value) as T;
  if (Array.isArray(value)) return value.map(roundDeep) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)])) as T;
  return value;
}

