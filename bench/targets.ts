/**
 * Issue 12 §2's targets, read off this run's figures: new/baseline ratios
 * (a run with --baseline), and the fan-out deadline.
 */
import type { Scenario } from './e2e-bench.js';
import type { FanOutFigures, HandlerReport } from './handler-bench.js';
import { table } from './report.js';
import { fmt, fmtRatio, ratio, round } from './stats.js';

interface Inputs {
  handlerReport?: HandlerReport;
  fanOut?: Record<string, FanOutFigures>;
  scenarios?: Scenario[];
  current: string;
  baseline?: string;
  broadcastOf500: boolean;
}

interface Target {
  target: string;
  measured: string;
  value?: number;
  limit: string;
  met?: boolean;
}

export function targetsSummary({ handlerReport, fanOut, scenarios, current, baseline, broadcastOf500 }: Inputs): { text: string; json: Target[] } {
  const targets: Target[] = [];
  const noBaseline = 'needs --baseline';

  const getPeers = (label?: string) => (label ? handlerReport?.[label]?.find((row) => row.op.startsWith('getPeers'))?.cpuUs : undefined);
  const cpu = ratio(getPeers(current), getPeers(baseline));
  targets.push({
    target: 'handler CPU per getPeers (real SDK clients), new/baseline',
    measured: baseline ? `${fmt(getPeers(current))} µs / ${fmt(getPeers(baseline))} µs = ${fmtRatio(cpu)}` : noBaseline,
    value: cpu,
    limit: '≤ 0.5×',
    met: cpu === undefined ? undefined : cpu <= 0.5,
  });

  const byName = (prefix: string) => scenarios?.find((s) => s.name.startsWith(prefix));
  const broadcasts = (scenarios ?? []).filter((s) => s.name.startsWith('broadcast to'));
  const largest = broadcasts[broadcasts.length - 1];
  const localCurrent = (s?: Scenario) => (s ? Object.keys(s.values).find((k) => k.includes(current)) : undefined);
  const localBaseline = (s?: Scenario) => (s && baseline ? Object.keys(s.values).find((k) => k.includes(baseline)) : undefined);
  const fan = largest ? ratio(largest.values[localCurrent(largest)!], largest.values[localBaseline(largest) ?? '']) : undefined;
  targets.push({
    target: `local-stack fan-out of 500, new/baseline time${broadcastOf500 || !largest ? '' : ` (this run: ${largest.name}; 500 in the full run)`}`,
    measured: !baseline ? noBaseline : largest ? `${fmt(largest.values[localCurrent(largest)!])} ms / ${fmt(largest.values[localBaseline(largest) ?? ''])} ms = ${fmtRatio(fan)}` : 'not run',
    value: fan,
    limit: '≤ 0.5×',
    met: fan === undefined ? undefined : fan <= 0.5,
  });

  const throughput = byName('concurrent requests');
  const speed = throughput ? ratio(throughput.values[localCurrent(throughput)!], throughput.values[localBaseline(throughput) ?? '']) : undefined;
  targets.push({
    target: `local-stack end-to-end throughput (${throughput?.name ?? 'concurrent requests'}), new/baseline`,
    measured: !baseline ? noBaseline : throughput ? `${fmt(throughput.values[localCurrent(throughput)!])} / ${fmt(throughput.values[localBaseline(throughput) ?? ''])} req/s = ${fmtRatio(speed)}` : 'not run',
    value: speed,
    limit: '≥ 2×',
    met: speed === undefined ? undefined : speed >= 2,
  });

  const fanOutNow = fanOut?.[current];
  targets.push({
    target: fanOutNow ? `broadcast to ${fanOutNow.recipients} peers delivered, ${fanOutNow.latencyMs} ms per post` : 'broadcast to 1,000 peers delivered, 20 ms per post',
    measured: fanOutNow ? `${fmt(fanOutNow.deliveredMs)} ms` : 'not run',
    value: fanOutNow?.deliveredMs,
    limit: '≤ 400 ms',
    met: fanOutNow ? fanOutNow.deliveredMs <= 400 : undefined,
  });

  const text = table(
    ['target', 'measured', 'limit', 'met'],
    targets.map((t) => [t.target, t.measured, t.limit, t.met === undefined ? '–' : t.met ? 'yes' : '**no**']),
  );
  return { text, json: targets.map((t) => ({ ...t, value: round(t.value) })) };
}
