/**
 * End to end, the same protoo-client load against each server (the local
 * stack of this checkout, protoo-server 4.0.8 with the equivalent room
 * app, and the local stack of the baseline commit when asked), each server
 * in a process of its own, the runs alternating between servers (the
 * order rotates every round) so that whatever else loads the machine
 * falls on all of them alike. Each figure is the median of its runs.
 */
import { benchFile, startWorker, type Worker } from './ipc.js';
import { broadcast, closeAll, joinPeers, relay, requests, type Client } from './protoo-load.js';
import { median } from './stats.js';

export interface Target {
  label: string;
  worker: Worker;
  url: string;
  version?: string;
}

export interface E2eOptions {
  rounds: number;
  sequentialRequests: number;
  concurrentClients: number;
  requestsPerClient: number;
  relays: number;
  broadcastSizes: number[];
  broadcastRounds: number;
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  unit: string;
  /** Which way is better: throughput is 'higher', times are 'lower'. */
  better: 'higher' | 'lower';
  /** Median per target label. */
  values: Record<string, number>;
  runs: Record<string, number[]>;
}

export async function startTarget(label: string, kind: 'protoo-server' | 'local-stack', root?: string): Promise<Target> {
  const worker = await startWorker(label, benchFile('server-process.ts'), { args: root ? [kind, root] : [kind], quiet: true });
  const { url, version } = await worker.call<{ url: string; version?: string }>('url');
  return { label, worker, url, version };
}

const rotate = <T>(items: T[], by: number) => items.map((_, i) => items[(i + by) % items.length]);

export async function e2eBench(targets: Target[], options: E2eOptions): Promise<Scenario[]> {
  const scenarios = new Map<string, Scenario>();
  const record = (name: string, unit: string, better: Scenario['better'], label: string, value: number) => {
    const scenario = scenarios.get(name) ?? { name, unit, better, values: {}, runs: {} };
    scenarios.set(name, scenario);
    (scenario.runs[label] ??= []).push(value);
  };
  const clients = new Map<string, Client[]>();
  try {
    // Requests and relays: a room of the concurrent clients.
    const size = options.concurrentClients;
    for (const target of targets) {
      const { clients: joined, ms } = await joinPeers(target.url, 'requests', 0, size);
      clients.set(`${target.label} requests`, joined);
      record(`join ${size} peers, one after another`, 'ms', 'lower', target.label, ms);
    }
    options.log(`  requests room of ${size} joined on every server`);
    for (let round = 0; round < options.rounds; round++) {
      for (const target of rotate(targets, round)) {
        const room = clients.get(`${target.label} requests`)!;
        const sequential = await requests([room[0]], options.sequentialRequests);
        record('sequential requests (getPeers, 1 client)', 'req/s', 'higher', target.label, sequential.requestsPerSecond);
        record('sequential request latency p50', 'ms', 'lower', target.label, sequential.p50Ms);
        const concurrent = await requests(room, options.requestsPerClient);
        record(`concurrent requests (getPeers, ${size} clients)`, 'req/s', 'higher', target.label, concurrent.requestsPerSecond);
        record(`concurrent request latency p99 (${size} clients)`, 'ms', 'lower', target.label, concurrent.p99Ms);
        record('relay (peerRequest → answer, 1 client)', 'ms', 'lower', target.label, await relay(room[0], room[1], options.relays));
      }
      options.log(`  requests round ${round + 1}/${options.rounds} done`);
    }

    // Broadcasts: one room per server, grown to each size in turn.
    let joinedSoFar = 0;
    for (const wanted of options.broadcastSizes) {
      for (const target of rotate(targets, wanted)) {
        const { clients: joined, ms } = await joinPeers(target.url, 'broadcast', joinedSoFar, wanted);
        clients.set(`${target.label} broadcast`, [...(clients.get(`${target.label} broadcast`) ?? []), ...joined]);
        record(`join peers ${joinedSoFar + 1}–${wanted} (into a room of ${joinedSoFar})`, 'ms', 'lower', target.label, ms);
        options.log(`  ${target.label}: room of ${wanted} joined in ${(ms / 1000).toFixed(1)} s`);
      }
      joinedSoFar = wanted;
      for (let round = 0; round < options.broadcastRounds; round++) {
        for (const target of rotate(targets, round)) {
          const [sender, ...others] = clients.get(`${target.label} broadcast`)!;
          record(`broadcast to ${wanted - 1} (peerNotify, room of ${wanted})`, 'ms', 'lower', target.label, await broadcast(sender, others));
        }
      }
    }
  } finally {
    // A server stopped gracefully would tell every peer about every other's close: end them at once.
    await Promise.all(targets.map((target) => target.worker.kill()));
    for (const list of clients.values()) closeAll(list);
  }
  for (const scenario of scenarios.values()) for (const [label, runs] of Object.entries(scenario.runs)) scenario.values[label] = median(runs);
  return [...scenarios.values()];
}
