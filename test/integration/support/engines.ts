/**
 * The two DynamoDB engines the integration suite runs against, started once
 * per test file: embedded dynalite, and Amazon DynamoDB Local (Java 17+).
 */
import { startEngine, type RunningEngine } from '../../../local/dynamodb-engines.js';

export type EngineName = 'dynalite' | 'dynamodb-local';

const aws = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export function startTestEngine(name: EngineName): Promise<RunningEngine> {
  return startEngine({ kind: name }, '127.0.0.1', aws);
}
