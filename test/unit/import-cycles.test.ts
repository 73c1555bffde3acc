/**
 * lambda/ has no import cycle (issue 12 §3: runtime-peer ↔ peer-lifecycle ↔
 * runtime-room had one). Type-only imports are erased and do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LAMBDA = fileURLToPath(new URL('../../lambda/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports that stay in the emitted JavaScript. */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const imports: string[] = [];
  for (const [, clause, specifier] of source.matchAll(/^(?:import|export)\s+([^;]*?)\s*from\s+'(\.[^']+)'/gms)) {
    if (/^type\s/.test(clause!)) continue;
    const named = clause!.match(/^\{([^}]*)\}$/s);
    if (named && named[1]!.split(',').every((part) => part.trim() === '' || part.trim().startsWith('type '))) continue;
    imports.push(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
  }
  return imports;
}

export function importCycles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, runtimeImports(file)]));
  const cycles: string[][] = [];
  const path: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (file: string) => {
    state.set(file, 'visiting');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('lambda/ imports', () => {
  it('form no cycle', () => {
    const cycles = importCycles(sourceFiles(LAMBDA)).map((cycle) => cycle.map((file) => relative(LAMBDA, file)).join(' → '));
    expect(cycles).toEqual([]);
  });

  it('the check sees a cycle when there is one (through export … from, not through type-only imports)', () => {
    const dir = fileURLToPath(new URL('./fixtures/import-cycle/', import.meta.url));
    const cycles = importCycles(sourceFiles(dir)).map((cycle) => cycle.map((file) => relative(dir, file)).join(' → '));
    expect(cycles).toEqual(['a.ts → b.ts → a.ts']);
  });
});
