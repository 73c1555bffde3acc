import {
  DeleteConnectionCommand,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DeliveryFailedError, isDeliveryFailure } from './delivery-failed.js';
import { isGoneError } from './is-gone.js';
import type { EncodedMessage } from '../protocol/encode.js';

export type DeliveryResult = 'sent' | 'gone';

/**
 * Posts protoo messages to connections and closes connections, through
 * the Management API of the API that invoked this handler. Every call is
 * bounded in time by the client (see management-client.ts).
 */
export class ConnectionSender {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  /**
   * 'gone' means the connection is dead. A post that timed out or kept
   * failing throws DeliveryFailedError (not delivered, not gone); anything
   * else unexpected (a bug: IAM, a malformed call) throws as it is.
   */
  async post(connectionId: string, message: EncodedMessage): Promise<DeliveryResult> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: message.data }));
      return 'sent';
    } catch (error) {
      if (isGoneError(error)) return 'gone';
      if (isDeliveryFailure(error)) throw new DeliveryFailedError(connectionId, error, 'post');
      throw error;
    }
  }

  /** Closing a connection that is already gone is not an error; one that cannot be reached throws DeliveryFailedError. */
  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (isGoneError(error)) return;
      if (isDeliveryFailure(error)) throw new DeliveryFailedError(connectionId, error, 'close');
      throw error;
    }
  }
}
