/** The benchmark's tables, as Markdown (readable in a terminal, pasteable into the docs). */
import type { Scenario } from './e2e-bench.js';
import type { FanOutFigures, HandlerReport, OpFigures } from './handler-bench.js';
import { CONNECTION_HOUR, costPerMillion, PRICES, type Cost } from './pricing.js';
import type { PostCost } from './sdk-cost.js';
import { fmt, fmtRatio, ratio } from './stats.js';

export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(headers), line(headers.map((h, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

const callsText = (calls: Record<string, number>) =>
  Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key.replace('ManagementApi.', '').replace('DynamoDB.', '')} ×${fmt(n, 3)}`)
    .join(', ') || 'none';

export function handlerTables(report: HandlerReport, current: string, baseline?: string): string {
  const rows = report[current].map((row) => {
    const base = baseline ? report[baseline].find((b) => b.op === row.op) : undefined;
    return [
      row.op,
      callsText(row.calls),
      fmt(row.rru),
      fmt(row.wru),
      fmt(row.cpuUs),
      ...(baseline ? [fmt(base?.cpuUs), fmtRatio(ratio(row.cpuUs, base?.cpuUs))] : []),
      fmt(row.fakeCpuUs),
      ...(baseline ? [fmt(base?.fakeCpuUs)] : []),
    ];
  });
  const headers = [
    'message',
    'AWS calls per message',
    'RRU',
    'WRU',
    'CPU µs (SDK)',
    ...(baseline ? ['baseline CPU µs (SDK)', 'new/baseline'] : []),
    'CPU µs (fakes)',
    ...(baseline ? ['baseline CPU µs (fakes)'] : []),
  ];
  return table(headers, rows);
}

export function postCostTable(costs: Record<string, PostCost[]>): string {
  const rows = Object.entries(costs).flatMap(([label, list]) => list.map((c) => [label, c.variant, fmt(c.cpuUsPerPost), fmt(c.wallUsPerPost)]));
  return table(['runtime', 'PostToConnection sent with', 'CPU µs per post', 'wall µs per post'], rows);
}

export function fanOutTable(results: Record<string, FanOutFigures>): string {
  const rows = Object.entries(results).map(([label, r]) => [
    label,
    `${r.recipients} (${r.latencyMs} ms per post)`,
    fmt(r.deliveredMs),
    fmt(r.handlerMs),
    r.posts,
    r.runs.map((ms) => fmt(ms)).join(', '),
  ]);
  return table(['runtime', 'recipients', 'delivered, ms from arrival', 'handler returned, ms', 'posts', 'runs, ms'], rows);
}

export function e2eTable(scenarios: Scenario[], labels: { current: string; protoo: string; baseline?: string }): string {
  const { current, protoo, baseline } = labels;
  const rows = scenarios.map((s) => {
    // Ratios read "how many times better/worse": for times, other/current is the speed-up.
    const speed = (a?: number, b?: number) => (s.better === 'higher' ? ratio(a, b) : ratio(b, a));
    return [
      s.name,
      s.unit,
      fmt(s.values[protoo]),
      fmt(s.values[current]),
      ...(baseline ? [fmt(s.values[baseline])] : []),
      fmtRatio(speed(s.values[current], s.values[protoo])),
      ...(baseline ? [fmtRatio(speed(s.values[current], s.values[baseline]))] : []),
    ];
  });
  return table(
    ['scenario', 'unit', protoo, current, ...(baseline ? [baseline] : []), 'speed vs protoo-server', ...(baseline ? ['speed vs baseline'] : [])],
    rows,
  );
}

export function costRows(rows: OpFigures[]): { op: string; cost: Cost; row: OpFigures }[] {
  return rows
    .filter((row) => row.latencyWallMs !== undefined && !row.op.startsWith('junk'))
    .map((row) => ({
      op: row.op,
      row,
      cost: costPerMillion({ cpuUs: row.cpuUs, latencyWallMs: row.latencyWallMs!, posts: row.posts, inbound: !row.op.startsWith('$'), rru: row.rru, wru: row.wru }),
    }));
}

export function costTable(rows: OpFigures[], latencies: { dynamoMs: number; managementMs: number }): string {
  const body = costRows(rows).map(({ op, cost, row }) => [
    op,
    fmt(row.latencyWallMs),
    cost.lambdaMs,
    `$${fmt(cost.lambda, 3)}`,
    `$${fmt(cost.apiGateway, 3)}`,
    `$${fmt(cost.dynamodb, 3)}`,
    `**$${fmt(cost.total, 3)}**`,
  ]);
  return [
    table(['message', 'wall ms here (with latency)', 'est. Lambda billed ms', 'Lambda', 'API Gateway', 'DynamoDB', 'total per million'], body),
    '',
    `Assumptions: ${PRICES.region} list prices — Lambda arm64 $${PRICES.lambdaArmGbSecond}/GB-s at ${PRICES.lambdaMemoryMb} MB and $${PRICES.lambdaRequestPerMillion}/M requests; ` +
      `API Gateway WebSocket $${PRICES.apiGatewayMessagePerMillion}/M messages (the one received and every PostToConnection) and $${PRICES.apiGatewayConnectionMinutePerMillion}/M connection minutes; ` +
      `DynamoDB on-demand $${PRICES.dynamoRruPerMillion}/M RRU and $${PRICES.dynamoWruPerMillion}/M WRU. ` +
      `Lambda's duration: the wall time measured here with ${latencies.dynamoMs} ms per DynamoDB call and ${latencies.managementMs} ms per Management API call injected, ` +
      `plus the CPU time measured here scaled to a ${PRICES.lambdaMemoryMb} MB function's share of a vCPU (×${fmt(PRICES.vcpuAtMb / PRICES.lambdaMemoryMb)}), rounded up to 1 ms. ` +
      `A connected peer also costs $${fmt(CONNECTION_HOUR * 1e6, 3)} per million connection-hours ($${fmt(CONNECTION_HOUR, 2)} per hour).`,
  ].join('\n');
}
