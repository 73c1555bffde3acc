import type { App } from '../app/types.js';
import type { Logger } from '../log.js';
import type { ConnectionIdentity, PeerRecord, PendingRequestRecord, Roster } from '../store/records.js';

/**
 * What the runtime needs from storage and delivery. StateStore and
 * ConnectionSender implement these with AWS; the runtime itself never
 * imports an AWS SDK.
 */
export interface PeerStore {
  putConnection(identity: ConnectionIdentity): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionIdentity | undefined>;
  deleteConnection(connectionId: string): Promise<void>;
  bindPeer(identity: ConnectionIdentity, data?: Record<string, unknown>): Promise<PeerRecord | undefined>;
  getPeer(roomId: string, peerId: string): Promise<PeerRecord | undefined>;
  listPeers(roomId: string): Promise<PeerRecord[]>;
  listRoom(roomId: string): Promise<{ peers: PeerRecord[]; roster: Roster }>;
  /** Throws AlreadyEnrolledError, RosterFullError (nothing written) or StaleRosterEntryError. */
  enroll(identity: ConnectionIdentity, capacity?: number): Promise<Roster>;
  getRoster(roomId: string): Promise<Roster>;
  leaveRoster(identity: ConnectionIdentity): Promise<Roster | undefined>;
  updatePeerData(peer: Pick<PeerRecord, 'roomId' | 'peerId' | 'connectionId'>, expectedVersion: number, data: Record<string, unknown>): Promise<number>;
  unbindPeer(identity: ConnectionIdentity): Promise<PeerRecord | undefined>;
  putPendingRequest(request: PendingRequestRecord): Promise<void>;
  takePendingRequest(roomId: string, targetConnectionId: string, requestId: number): Promise<PendingRequestRecord | undefined>;
  listPendingRequests(roomId: string, targetConnectionId: string): Promise<PendingRequestRecord[]>;
}

export interface MessageSender {
  /** 'gone' when the connection is dead; throws PayloadTooLargeError over 128 KB. */
  post(connectionId: string, message: object): Promise<'sent' | 'gone'>;
  close(connectionId: string): Promise<void>;
}

/** Everything one invocation works with. */
export interface RuntimeServices {
  app: App;
  store: PeerStore;
  sender: MessageSender;
  log: Logger;
  identities: IdentityCache;
  fanOutConcurrency: number;
  now: () => number;
}

export interface IdentityCache {
  get(connectionId: string): ConnectionIdentity | undefined;
  set(identity: ConnectionIdentity): void;
  delete(connectionId: string): void;
}
