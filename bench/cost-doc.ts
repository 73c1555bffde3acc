/**
 * docs/deploy.md's table of $ per million messages is the benchmark's own:
 * `npm run bench -- --cost-doc` writes it between two markers, so the
 * figures in the guide are always ones a run measured, with its date and
 * machine, never typed by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const COST_DOC = 'docs/deploy.md';
export const COST_START = '<!-- npm run bench -- --cost-doc: generated from here -->';
export const COST_END = '<!-- npm run bench -- --cost-doc: to here -->';

/** `doc` with everything between the markers replaced by `section`; throws when the markers are missing or out of order. */
export function withCostSection(doc: string, section: string): string {
  const start = doc.indexOf(COST_START);
  const end = doc.indexOf(COST_END);
  if (start < 0 || end < start) throw new Error(`${COST_DOC} needs the markers ${COST_START} … ${COST_END}`);
  return `${doc.slice(0, start + COST_START.length)}\n${section.trim()}\n${doc.slice(end)}`;
}

export function writeCostSection(file: string, section: string): void {
  writeFileSync(file, withCostSection(readFileSync(file, 'utf8'), section));
}
