import { ProtooError } from '../app/errors.js';
import type { AppData, AppResponse, NotifyAllOptions, Peer, ReplyHandle, Room } from '../app/types.js';
import { AlreadyEnrolledError } from '../store/errors.js';
import type { PeerRecord, Roster } from '../store/records.js';
import { settleWithConcurrency } from '../delivery/bounded-map.js';
import { assertDeliverable } from '../delivery/payload-limit.js';
import { createNotification } from '../protocol/messages.js';
import { postAnswer } from './answer.js';
import { endGoneConnection } from './peer-lifecycle.js';
import type { RuntimeServices } from './ports.js';
import { RuntimePeer, identityOf } from './runtime-peer.js';

/** A Room is its DynamoDB partition: listing it is one (paged) Query. */
export class RuntimeRoom implements Room {
  constructor(
    private readonly services: RuntimeServices,
    readonly id: string,
  ) {}

  async getPeers(): Promise<Peer[]> {
    const records = await this.services.store.listPeers(this.id);
    return records.map((record) => new RuntimePeer(this.services, identityOf(record), record));
  }

  async getPeer(peerId: string): Promise<Peer | undefined> {
    const record = await this.services.store.getPeer(this.id, peerId);
    return record && new RuntimePeer(this.services, identityOf(record), record);
  }

  async enroll(peer: Peer): Promise<Peer[]> {
    const self = { connectionId: peer.connectionId, roomId: this.id, peerId: peer.id };
    let roster: Roster;
    try {
      roster = await this.services.store.enroll(self);
    } catch (error) {
      if (error instanceof AlreadyEnrolledError) throw new ProtooError(409, 'already joined');
      throw error;
    }
    // The roster names who came first; the Query brings their data.
    const { peers } = await this.services.store.listRoom(this.id);
    return this.livePeersOn(roster, peers).filter((candidate) => candidate.id !== peer.id);
  }

  async getEnrolledPeers(): Promise<Peer[]> {
    const { peers, roster } = await this.services.store.listRoom(this.id);
    return this.livePeersOn(roster, peers);
  }

  /** Roster entries whose peer is still bound to the connection that enrolled it. */
  private livePeersOn(roster: Roster, records: PeerRecord[]): Peer[] {
    return records
      .filter((record) => roster.get(record.peerId) === record.connectionId)
      .map((record) => new RuntimePeer(this.services, identityOf(record), record));
  }

  async notifyAll(method: string, data: AppData = {}, options: NotifyAllOptions = {}): Promise<number> {
    const except = new Set(options.except ?? []);
    const recipients: Peer[] = [];
    for (const peer of await this.getPeers()) {
      if (except.has(peer.id)) continue;
      if (options.where && !options.where(await peer.getData(), peer)) continue;
      recipients.push(peer);
    }
    return this.notifyPeers(recipients, method, data);
  }

  async notifyPeers(peers: readonly Peer[], method: string, data: AppData = {}): Promise<number> {
    assertDeliverable(createNotification(method, data));
    const results = await settleWithConcurrency(peers, this.services.fanOutConcurrency, (peer) => peer.notify(method, data));
    let delivered = 0;
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        if (result.value) delivered++;
      } else {
        this.services.log.error('notification failed', { roomId: this.id, peerId: peers[index].id, method, error: result.reason });
      }
    });
    return delivered;
  }

  async answer(handle: ReplyHandle, response: AppResponse): Promise<void> {
    const result = await postAnswer(this.services, handle.connectionId, handle.requestId, response);
    if (result === 'gone') await endGoneConnection(this.services, handle.connectionId);
  }

  async close(): Promise<void> {
    const peers = await this.getPeers();
    const results = await settleWithConcurrency(peers, this.services.fanOutConcurrency, (peer) => peer.close());
    for (const result of results) {
      if (result.status === 'rejected') this.services.log.error('closing peer failed', { roomId: this.id, error: result.reason });
    }
  }
}
