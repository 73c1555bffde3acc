/** bench/cost-doc.ts: the benchmark writes its cost table into docs/deploy.md between two markers, and only there. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COST_DOC, COST_END, COST_START, withCostSection } from '../../bench/cost-doc.js';

describe("the benchmark's cost section in docs/deploy.md", () => {
  it('replaces what is between the markers and nothing else', () => {
    const doc = `# Guide\nbefore\n${COST_START}\nold table\n${COST_END}\nafter\n`;
    expect(withCostSection(doc, '| new | table |\n')).toBe(`# Guide\nbefore\n${COST_START}\n| new | table |\n${COST_END}\nafter\n`);
    // Run twice, it gives the same document.
    expect(withCostSection(withCostSection(doc, 'x'), 'x')).toBe(withCostSection(doc, 'x'));
  });

  it('refuses a document without both markers in order', () => {
    expect(() => withCostSection('no markers', 'x')).toThrow(/needs the markers/);
    expect(() => withCostSection(`${COST_END}\n${COST_START}`, 'x')).toThrow(/needs the markers/);
  });

  it('finds the markers in docs/deploy.md, with a measured table between them', () => {
    const doc = readFileSync(COST_DOC, 'utf8');
    const between = doc.slice(doc.indexOf(COST_START) + COST_START.length, doc.indexOf(COST_END));
    expect(doc.indexOf(COST_START)).toBeGreaterThan(0);
    expect(between).toMatch(/Measured by `npm run bench/);
    expect(between).toMatch(/\| getPeers \(room of 10\) \|/);
  });
});
