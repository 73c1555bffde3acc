import { parseLogLevel, type LogLevel } from './log.js';

/** Everything the handlers read from the environment, in one place. */
export interface RuntimeConfig {
  /** The DynamoDB table (required). */
  tableName: string;
  /** Another DynamoDB engine (dynalite, DynamoDB Local); unset on AWS. */
  dynamodbEndpoint?: string;
  /** Overrides the Management API endpoint built from the event (custom domains). */
  managementApiEndpoint?: string;
  logLevel: LogLevel;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  return {
    tableName,
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    managementApiEndpoint: env.MANAGEMENT_API_ENDPOINT || undefined,
    logLevel: parseLogLevel(env.LOG_LEVEL),
  };
}
