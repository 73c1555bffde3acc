/**
 * The whole integration suite against the embedded dynalite engine (the
 * `npm start` default).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { RunningEngine } from '../../local/dynamodb-engines.js';
import { startTestEngine } from './support/engines.js';
import { authorizerSuite } from './authorizer.suite.js';
import { protooSemanticsSuite } from './protoo-semantics.suite.js';
import { roomRelaySuite } from './room-relay.suite.js';

describe('engine: dynalite (embedded)', () => {
  let engine: RunningEngine | undefined;
  beforeAll(async () => {
    engine = await startTestEngine('dynalite');
  });
  afterAll(async () => {
    await engine?.stop();
  });
  const current = () => engine!;
  roomRelaySuite(current);
  protooSemanticsSuite(current);
  authorizerSuite(current);
});
