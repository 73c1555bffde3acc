import { ConnectionReplacedError, ProtooError, RoomFullError } from '../app/errors.js';
import type { AppData, AppResponse, EnrollOptions, NotifyAllOptions, Peer, ReplyHandle, Room } from '../app/types.js';
import { AlreadyEnrolledError, RosterFullError, StaleRosterEntryError } from '../store/errors.js';
import type { ConnectionIdentity, PeerRecord, Roster } from '../store/records.js';
import { settleWithConcurrency } from '../delivery/bounded-map.js';
import { encode } from '../protocol/encode.js';
import { createNotification } from '../protocol/messages.js';
import { postAnswer } from './answer.js';
import { AbandonedWorkError } from './deadline-answers.js';
import { endPeer } from './peer-lifecycle.js';
import type { RuntimeServices } from './ports.js';
import { identityOf } from './identity.js';
import { RuntimePeer } from './runtime-peer.js';

/**
 * A Room is its DynamoDB partition: listing it is one (paged) Query. When
 * the room is seen from a client's message (`self`), every read that shows
 * that client's own binding also checks it still owns its peerId, at no
 * extra cost: a connection that lost it gets ConnectionReplacedError.
 */
export class RuntimeRoom implements Room {
  constructor(
    private readonly services: RuntimeServices,
    readonly id: string,
    private readonly self?: ConnectionIdentity,
  ) {}

  async getPeers(): Promise<Peer[]> {
    const records = await this.services.store.listPeers(this.id);
    this.assertSelfOwns(records);
    return records.map((record) => new RuntimePeer(this.services, identityOf(record), record));
  }

  async getRoster(): Promise<Peer[]> {
    const roster = await this.services.store.getRoster(this.id);
    return [...roster].map(([peerId, connectionId]) => new RuntimePeer(this.services, { roomId: this.id, peerId, connectionId }));
  }

  /** The own binding must be in the records (one peer item per peerId) and name this connection. */
  private assertSelfOwns(records: readonly PeerRecord[]): void {
    if (!this.self) return;
    const own = records.find((record) => record.peerId === this.self!.peerId);
    if (own?.connectionId !== this.self.connectionId) throw new ConnectionReplacedError(this.self.peerId);
  }

  async getPeer(peerId: string): Promise<Peer | undefined> {
    const record = await this.services.store.getPeer(this.id, peerId);
    return record && new RuntimePeer(this.services, identityOf(record), record);
  }

  async enroll(peer: Peer, options: EnrollOptions = {}): Promise<Peer[]> {
    // A request the deadline has answered 503 must not join anyone: its client will retry.
    if (this.services.abandoned?.()) throw new AbandonedWorkError(`enrolling ${peer.id}`);
    const identity = { connectionId: peer.connectionId, roomId: this.id, peerId: peer.id };
    const roster = await this.enrollOnRoster(identity, options.capacity);
    let peers: PeerRecord[];
    try {
      // The roster names who came first; the Query brings their data.
      ({ peers } = await this.services.store.listRoom(this.id));
    } catch (error) {
      // Nobody has heard of this enrollment yet: undo it, so a retry starts clean.
      await this.services.store.leaveRoster(identity);
      throw error;
    }
    const own = peers.find((record) => record.peerId === peer.id);
    if (own?.connectionId !== peer.connectionId) {
      // Replaced (or closed) while enrolling: its replacement's cleanup may
      // have run before this entry existed, so take it off here.
      await this.services.store.leaveRoster(identity);
      throw new ConnectionReplacedError(peer.id);
    }
    return this.livePeersOn(roster, peers).filter((candidate) => candidate.id !== peer.id);
  }

  private async enrollOnRoster(identity: ConnectionIdentity, capacity: number | undefined): Promise<Roster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.services.store.enroll(identity, capacity);
      } catch (error) {
        if (error instanceof AlreadyEnrolledError) throw new ProtooError(409, 'already joined');
        if (error instanceof RosterFullError) throw new RoomFullError(error.capacity);
        // An older connection of this peerId whose cleanup was cut short: end it as replaced, once.
        if (error instanceof StaleRosterEntryError && attempt === 1) {
          await endPeer(this.services, { ...identity, connectionId: error.connectionId }, 'replaced');
          continue;
        }
        throw error;
      }
    }
  }

  async unenroll(peer: Peer): Promise<boolean> {
    const left = await this.services.store.leaveRoster({ connectionId: peer.connectionId, roomId: this.id, peerId: peer.id });
    return left !== undefined;
  }

  async getEnrolledPeers(): Promise<Peer[]> {
    const { peers, roster } = await this.services.store.listRoom(this.id);
    this.assertSelfOwns(peers);
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
    // Encoded once for every recipient; too large, it fails before any post.
    const notification = encode(createNotification(method, data));
    const results = await settleWithConcurrency(peers, this.services.fanOutConcurrency, (peer) =>
      peer instanceof RuntimePeer ? peer.deliver(notification) : peer.notify(method, data),
    );
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
    if (result === 'gone') this.services.gone.report({ connectionId: handle.connectionId });
  }

  async close(): Promise<void> {
    const peers = await this.getPeers();
    const results = await settleWithConcurrency(peers, this.services.fanOutConcurrency, (peer) => peer.close());
    for (const result of results) {
      if (result.status === 'rejected') this.services.log.error('closing peer failed', { roomId: this.id, error: result.reason });
    }
  }
}
