/**
 * The two DynamoDB engines the integration suite runs against, started once
 * per test file: embedded dynalite, and Amazon DynamoDB Local (Java 17+).
 */
import { findJava, startEngine, type RunningEngine } from '../../../local/dynamodb-engines.js';

export type EngineName = 'dynalite' | 'dynamodb-local';

const aws = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** Why DynamoDB Local cannot run here, or undefined if it can. */
export function dynamoDbLocalUnavailable(): string | undefined {
  const java = findJava();
  return 'missing' in java ? java.missing : undefined;
}

export function startTestEngine(name: EngineName): Promise<RunningEngine> {
  return startEngine({ kind: name }, '127.0.0.1', aws);
}
