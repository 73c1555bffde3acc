import { ConnectionReplacedError, PeerDataChangedError } from '../app/errors.js';
import type { AppData, Peer } from '../app/types.js';
import { DeliveryFailedError } from '../delivery/delivery-failed.js';
import { encode, PayloadTooLargeError, type EncodedMessage } from '../protocol/encode.js';
import { createNotification, createRequest, generateRequestId, type ProtooNotification } from '../protocol/messages.js';
import { RequestIdTakenError, StaleDataError } from '../store/errors.js';
import type { ConnectionIdentity, PeerRecord } from '../store/records.js';
import { PEER_CONNECTING_RESPONSE, PEER_UNREACHABLE_RESPONSE, endPeer, failPendingRequest, isReallyGone } from './peer-lifecycle.js';
import type { RuntimeServices } from './ports.js';

/**
 * A Peer backed by its DynamoDB item; data is read lazily, at most once per
 * invocation. The peer whose connection sent the message being handled is
 * `self`: finding its item bound elsewhere means this connection lost its
 * peerId (ConnectionReplacedError, so the runtime closes it); for any other
 * peer it only means the handle is stale (PeerDataChangedError).
 */
export class RuntimePeer implements Peer {
  constructor(
    private readonly services: RuntimeServices,
    private readonly identity: ConnectionIdentity,
    private record?: PeerRecord,
    private readonly self = false,
    readonly claims: AppData = {},
  ) {}

  get id(): string {
    return this.identity.peerId;
  }

  get roomId(): string {
    return this.identity.roomId;
  }

  get connectionId(): string {
    return this.identity.connectionId;
  }

  async getData(): Promise<AppData> {
    return (await this.currentRecord()).data;
  }

  async setData(data: AppData): Promise<void> {
    const record = await this.currentRecord();
    let version: number;
    try {
      version = await this.services.store.updatePeerData(this.identity, record.version, data);
    } catch (error) {
      if (!(error instanceof StaleDataError)) throw error;
      // Replaced, closed or written meanwhile: only a read tells which (its own connection replaced: ConnectionReplacedError).
      if (this.self) {
        this.record = undefined;
        await this.currentRecord();
      }
      throw new PeerDataChangedError(this.id);
    }
    this.record = { ...record, data, version };
  }

  notify(method: string, data: AppData = {}): Promise<boolean> {
    return this.deliver(encode(createNotification(method, data)));
  }

  /** notify() of a notification already encoded: a broadcast encodes once for all its recipients. */
  async deliver(notification: EncodedMessage<ProtooNotification>): Promise<boolean> {
    let result: 'sent' | 'gone';
    try {
      result = await this.services.sender.post(this.connectionId, notification);
    } catch (error) {
      // Timed out or kept failing: not delivered, and not gone either.
      if (!(error instanceof DeliveryFailedError)) throw error;
      this.services.log.warn('notification not delivered', { ...this.identity, method: notification.message.method, error: error.message });
      return false;
    }
    if (result === 'gone') this.services.gone.report({ connectionId: this.connectionId, identity: this.identity, record: this.record });
    return result === 'sent';
  }

  async request(method: string, data: AppData = {}, options: { state?: AppData } = {}): Promise<number> {
    // Persist first: the client may answer before post() even returns.
    const requestId = await this.persistPendingRequest(method, options.state ?? {});
    let result: 'sent' | 'gone';
    try {
      result = await this.services.sender.post(this.connectionId, encode(createRequest(requestId, method, data)));
    } catch (error) {
      if (error instanceof PayloadTooLargeError) await this.services.store.takePendingRequest(this.roomId, this.connectionId, requestId);
      if (!(error instanceof DeliveryFailedError)) throw error;
      // Not delivered: the request fails at once (the caller is answered
      // through onResponse), instead of a 500 and a pending item left behind.
      this.services.log.warn('request not delivered', { ...this.identity, method, error: error.message });
      await failPendingRequest(this.services, this.identity, requestId, PEER_UNREACHABLE_RESPONSE);
      return requestId;
    }
    // Gone: ending the peer (once the handler has answered) fails its pending
    // requests, this one included; a peer still connecting is kept, and only
    // this request fails.
    if (result === 'gone') {
      if (await isReallyGone(this.services, this.identity, this.record, requestId)) {
        this.services.gone.report({ connectionId: this.connectionId, identity: this.identity, confirmed: true });
      } else {
        await failPendingRequest(this.services, this.identity, requestId, PEER_CONNECTING_RESPONSE);
      }
    }
    return requestId;
  }

  async close(): Promise<void> {
    // End the peer first: closing makes API Gateway send $disconnect, which
    // must find the peer already gone rather than race to end it as 'disconnected'.
    await endPeer(this.services, this.identity, 'closed');
    await this.services.sender.close(this.connectionId);
  }

  /** Ids are random (as protoo-client's); on the rare collision, draw another. */
  private async persistPendingRequest(method: string, state: AppData): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const requestId = generateRequestId();
      try {
        await this.services.store.putPendingRequest({ roomId: this.roomId, targetConnectionId: this.connectionId, requestId, method, state });
        return requestId;
      } catch (error) {
        if (!(error instanceof RequestIdTakenError) || attempt === 5) throw error;
      }
    }
  }

  private async currentRecord(): Promise<PeerRecord> {
    if (!this.record) {
      const record = await this.services.store.getPeer(this.roomId, this.id);
      if (!record || record.connectionId !== this.connectionId) {
        if (this.self) throw new ConnectionReplacedError(this.id);
        throw new PeerDataChangedError(this.id);
      }
      this.record = record;
    }
    return this.record;
  }
}
