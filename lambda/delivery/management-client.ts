import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One client per endpoint, reused by every warm invocation. */
export function managementClientFor(endpoint: string): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint });
    clients.set(endpoint, client);
  }
  return client;
}
