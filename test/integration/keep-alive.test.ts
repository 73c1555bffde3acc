/**
 * The keep-alive suite in its own file (its own process), on both engines:
 * it measures time (idle periods of a few seconds), so it does not share a
 * process with the load of the room-race suites.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { findJava } from '../../local/java.js';
import { keepAliveSuite } from './keep-alive.suite.js';
import { startTestEngine, type EngineName } from './support/engines.js';

const engines: EngineName[] = 'missing' in findJava() && !process.env.CI ? ['dynalite'] : ['dynalite', 'dynamodb-local'];

for (const name of engines) {
  describe(`engine: ${name}`, () => {
    let engine: RunningEngine | undefined;
    beforeAll(async () => {
      engine = await startTestEngine(name);
    });
    afterAll(async () => {
      await engine?.stop();
    });
    keepAliveSuite(() => engine!);
  });
}
