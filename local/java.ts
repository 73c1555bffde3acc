import { spawnSync } from 'node:child_process';

/**
 * The Java to run DynamoDB Local with, or a reason why there is none
 * (DynamoDB Local 2.x+ needs Java 17 or later).
 */
export function findJava(java = process.env.JAVA ?? 'java'): { java: string } | { missing: string } {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { missing: `'${java}' could not be run (${probe.error?.message ?? `exit ${probe.status}`})` };
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr + probe.stdout);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : NaN;
  if (!(major >= 17)) return { missing: `'${java}' is Java ${match ? major : '?'}; DynamoDB Local needs Java 17+` };
  return { java };
}
