/**
 * What a warm Lambda container keeps between invocations: the
 * configuration, the logger, the store over its DynamoDB client, and a
 * sender per Management API endpoint. Built once, at the first invocation
 * (by then the environment is complete: on Lambda, and in a local stack,
 * which loads a fresh instance of the app module per stack instead of
 * changing the environment under a running one).
 */
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfig, type RuntimeConfig } from './config.js';
import { ConnectionSender } from './delivery/connection-sender.js';
import { managementClientFor } from './delivery/management-client.js';
import { keepAliveSettingsFromEnv, type KeepAliveSettings } from './keep-alive/settings.js';
import { createLogger, type Logger } from './log.js';
import { countingSender } from './observability/counting-sender.js';
import { markingErrors } from './runtime/error-answer.js';
import type { MessageSender, PeerStore } from './runtime/ports.js';
import type { ReplacementBackoffPolicy } from './runtime/replacement-backoff.js';
import { replacementBackoffFromEnv } from './runtime/replacement-backoff-settings.js';
import { tableClientFor } from './store/dynamodb-client.js';
import { documentTableClient } from './store/table-clients.js';
import { StateStore } from './store/state-store.js';
import type { TableClient } from './store/table.js';

export interface ContainerOptions {
  /** The environment to configure from (process.env by default); read once. */
  env?: NodeJS.ProcessEnv;
  /** Injected clients (tests, an app's own DocumentClient); by default one per endpoint, reused while warm. */
  documentClient?: DynamoDBDocumentClient;
  managementClient?: (endpoint: string) => ApiGatewayManagementApiClient;
  /** Another PeerStore (tests: the in-memory store); by default the DynamoDB store over `documentClient`. */
  store?: PeerStore;
  logger?: Logger;
  now?: () => number;
  /** PostToConnection calls in flight at once during a broadcast; FAN_OUT_CONCURRENCY otherwise. */
  fanOutConcurrency?: number;
}

export interface Container {
  config: RuntimeConfig;
  log: Logger;
  store: PeerStore;
  fanOutConcurrency: number;
  now: () => number;
  replacementBackoff: ReplacementBackoffPolicy;
  keepAlive: KeepAliveSettings;
  /** The sender for a Management API endpoint, built at its first use and kept. */
  senderFor(endpoint: string): MessageSender;
}

function tableClientOf(options: ContainerOptions, config: RuntimeConfig): TableClient {
  return options.documentClient ? documentTableClient(options.documentClient) : tableClientFor(config.dynamodbEndpoint, config.dynamodbTimeoutMs);
}

export function buildContainer(options: ContainerOptions): Container {
  const env = options.env ?? process.env;
  const config = readConfig(env);
  const fanOutConcurrency = options.fanOutConcurrency ?? config.fanOutConcurrency;
  const clientFor = options.managementClient ?? ((url: string) => managementClientFor(url, env, fanOutConcurrency));
  const senders = new Map<string, MessageSender>();
  return {
    config,
    log: options.logger ?? createLogger(config.logLevel),
    store: markingErrors(options.store ?? new StateStore(tableClientOf(options, config), config.tableName, options.now)),
    fanOutConcurrency,
    now: options.now ?? Date.now,
    replacementBackoff: replacementBackoffFromEnv(env),
    keepAlive: keepAliveSettingsFromEnv(env),
    senderFor(endpoint) {
      let sender = senders.get(endpoint);
      if (!sender) senders.set(endpoint, (sender = countingSender(new ConnectionSender(clientFor(endpoint)))));
      return sender;
    },
  };
}
