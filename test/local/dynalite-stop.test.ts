/**
 * Stopping the embedded dynalite engine while it still works on requests
 * whose clients have gone must not crash the process (dynalite, when it ran
 * in the stack's thread, threw 'Database is closed' as an uncaught exception,
 * failing CI at a suite's end) nor its thread (logged as "dynalite engine
 * thread failed"). Run in a child process, so that an uncaught exception is
 * this test's failure and not noise in the runner.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/stop-under-aborted-requests.ts', import.meta.url));

describe('stopping the embedded dynalite engine', () => {
  it('while clients abort requests it is still working on, 50 times, throws nothing', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', fixture],
        { env: { ...process.env, TRIALS: '50' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
      );
    });
    expect(result.stderr).not.toMatch(/uncaught|thread failed/);
    expect(result.stdout).toContain('stopped 50 times');
    expect(result.code).toBe(0);
  }, 90_000);
});
