/**
 * Another commit's runtime, for "today's commit" comparisons: checked out
 * with `git worktree add` into a temporary directory, this checkout's
 * node_modules linked in (the same dependencies, nothing installed), and
 * removed again at the end of the run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** This checkout: the runtime under test unless told otherwise. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** The runtime before issue 12's changes: the documented baseline. */
export const DOCUMENTED_BASELINE = '3b9b70a';

export interface Checkout {
  root: string;
  commit: string;
  remove(): Promise<void>;
}

export async function checkOut(commit: string): Promise<Checkout> {
  const { stdout } = await run('git', ['-C', REPO_ROOT, 'rev-parse', '--short', `${commit}^{commit}`]);
  const short = stdout.trim();
  const parent = await mkdtemp(join(tmpdir(), 'protoo-bench-'));
  const root = join(parent, short);
  await run('git', ['-C', REPO_ROOT, 'worktree', 'add', '--detach', '--quiet', root, short]);
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return {
    root,
    commit: short,
    async remove() {
      await run('git', ['-C', REPO_ROOT, 'worktree', 'remove', '--force', root]).catch(() => undefined);
      await rm(parent, { recursive: true, force: true });
      await run('git', ['-C', REPO_ROOT, 'worktree', 'prune']).catch(() => undefined);
    },
  };
}

/** `git describe`-like name of this checkout: its commit, and '+ changes' when the tree is dirty. */
export async function describeCheckout(): Promise<string> {
  const { stdout } = await run('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']);
  const { stdout: status } = await run('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'lambda', 'local']);
  return `${stdout.trim()}${status.trim() ? ' + uncommitted changes' : ''}`;
}
