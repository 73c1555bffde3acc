import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { managementClientSettings, type ManagementClientSettings } from './management-client-settings.js';
import { traced } from '../observability/tracing.js';
import { boundedRequestHandler, staticEndpoint, withoutUnusedMiddleware } from '../lean-sdk-client.js';

/** A client whose every call is bounded in time (see ManagementClientSettings). */
export function createManagementClient(endpoint: string, settings: ManagementClientSettings): ApiGatewayManagementApiClient {
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    endpointProvider: staticEndpoint(endpoint),
    // Every post goes through the same middleware: resolve it once per client, not once per call.
    cacheMiddleware: true,
    maxAttempts: settings.maxAttempts,
    requestHandler: boundedRequestHandler(settings.postTimeoutMs, settings.maxSockets),
  });
  return withoutUnusedMiddleware(client);
}

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One client per endpoint (and settings), reused by every warm invocation. */
export function managementClientFor(
  endpoint: string,
  env: NodeJS.ProcessEnv = process.env,
  fanOutConcurrency?: number,
): ApiGatewayManagementApiClient {
  const settings = managementClientSettings(env, endpoint, fanOutConcurrency);
  const key = `${endpoint} ${settings.postTimeoutMs} ${settings.maxSockets}`;
  let client = clients.get(key);
  if (!client) {
    client = traced(createManagementClient(endpoint, settings));
    clients.set(key, client);
  }
  return client;
}
