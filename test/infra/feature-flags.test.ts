/**
 * cdk.json sets every feature flag that `cdk init` writes for the installed
 * aws-cdk-lib, so `cdk synth` reports none as unconfigured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

describe('GIVEN cdk.json and the installed aws-cdk-lib', () => {
  const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
  const recommended = JSON.parse(
    fs.readFileSync(path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), 'recommended-feature-flags.json'), 'utf8'),
  ) as Record<string, unknown>;

  it('THEN every recommended flag is set to its recommended value', () => {
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    const differing = Object.keys(recommended).filter((flag) => JSON.stringify(context[flag]) !== JSON.stringify(recommended[flag]));
    expect(differing).toEqual([]);
  });
});
