import { afterAll, beforeAll, describe } from 'vitest';
import type { RunningEngine } from '../../../local/dynamodb-engines.js';
import { authorizerSuite } from '../authorizer.suite.js';
import { hostileInputSuite } from '../hostile-input.suite.js';
import { protooSemanticsSuite } from '../protoo-semantics.suite.js';
import { roomRacesSuite } from '../room-races.suite.js';
import { roomRelaySuite } from '../room-relay.suite.js';
import { startTestEngine, type EngineName } from './engines.js';

/** Every integration suite, against one DynamoDB engine started for the file. */
export function integrationSuitesOn(engineName: EngineName, title: string, extra?: (engine: () => RunningEngine) => void): void {
  describe(title, () => {
    let engine: RunningEngine | undefined;
    beforeAll(async () => {
      engine = await startTestEngine(engineName);
    });
    afterAll(async () => {
      await engine?.stop();
    });
    const current = () => engine!;
    extra?.(current);
    roomRelaySuite(current);
    protooSemanticsSuite(current);
    authorizerSuite(current);
    hostileInputSuite(current);
    roomRacesSuite(current);
  });
}
