/**
 * The hook for bench/cold-start.ts (written separately): runs it as a child
 * process of this run, shows what it prints, and keeps the last JSON object
 * it prints (a line starting with `{`, or a ```json block) for the report.
 * It is told the run's mode and the baseline's worktree by environment:
 * BENCH_QUICK=1 (and, unless set, BENCH_COLD_ROUNDS=2, BENCH_COLD_IMPORTS=3),
 * BENCH_BASELINE_ROOT=<dir>.
 */
import { spawn } from 'node:child_process';

export interface ColdStartResult {
  output: string;
  json?: unknown;
  exitCode: number | null;
}

export function runColdStart(script: string, options: { quick: boolean; baselineRoot?: string; timeoutMs?: number }): Promise<ColdStartResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...(options.quick ? { BENCH_QUICK: '1', BENCH_COLD_ROUNDS: process.env.BENCH_COLD_ROUNDS ?? '2', BENCH_COLD_IMPORTS: process.env.BENCH_COLD_IMPORTS ?? '3' } : {}),
        ...(options.baselineRoot ? { BENCH_BASELINE_ROOT: options.baselineRoot } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ output, json: lastJson(output), exitCode });
    });
  });
}

function lastJson(output: string): unknown {
  const block = /```json\n([\s\S]*?)\n```/g;
  let found: string | undefined;
  for (let match = block.exec(output); match; match = block.exec(output)) found = match[1];
  const candidates = [found, ...output.split('\n').reverse().filter((line) => line.trim().startsWith('{'))];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      return JSON.parse(candidate);
    } catch {
      // not JSON after all
    }
  }
  return undefined;
}
