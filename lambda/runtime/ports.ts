import type { EncodedMessage } from '../protocol/encode.js';
import type { App, Peer, Room } from '../app/types.js';
import type { Logger } from '../log.js';
import type { ConnectionIdentity, KeptConnectionsPage, PeerRecord, PendingRequestRecord, ReplacementBackoff, Roster } from '../store/records.js';
import type { GoneLedger } from './gone-ledger.js';
import type { ReplacementBackoffPolicy } from './replacement-backoff.js';

/**
 * What the runtime needs from storage and delivery. StateStore and
 * ConnectionSender implement these with AWS; the runtime itself never
 * imports an AWS SDK.
 */
export interface PeerStore {
  putConnection(identity: ConnectionIdentity): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionIdentity | undefined>;
  deleteConnection(connectionId: string): Promise<void>;
  /** One page of the connections in a keep-alive bucket (lambda/keep-alive/buckets.ts). */
  listKeepAliveBucket(bucket: number, cursor?: Record<string, unknown>, pageSize?: number): Promise<KeptConnectionsPage>;
  /**
   * Returns the binding it replaced; throws ReplacementRefusedError (nothing written) while the current
   * one is protected, or when it belongs to a connection made after `connectedAt` (epoch ms; default now):
   * a late bind of an older connection never takes the peerId back from a newer one.
   */
  bindPeer(identity: ConnectionIdentity, data?: Record<string, unknown>, connectedAt?: number): Promise<PeerRecord | undefined>;
  /** Protects a binding a replacement just made; false if the connection no longer owns the peer. */
  protectBinding(identity: ConnectionIdentity, backoff: ReplacementBackoff): Promise<boolean>;
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
  /** 'gone' when the connection is dead. The message is encoded by the caller (protocol/encode.ts), once per broadcast. */
  post(connectionId: string, message: EncodedMessage): Promise<'sent' | 'gone'>;
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
  /** Connections found Gone during this invocation, ended after it has answered (gone-ledger.ts). */
  gone: GoneLedger;
  /** How long a replacement is protected from being replaced in turn; DEFAULT_REPLACEMENT_BACKOFF when absent. */
  replacementBackoff?: ReplacementBackoffPolicy;
  /** True once the invocation's deadline has answered for it: work still running must not start what nobody will hear of. */
  abandoned?: () => boolean;
  /** The Peer and Room objects app hooks receive (app-objects.ts). */
  objects: AppObjects;
}

/**
 * Builds the objects of the app API. Injected rather than imported, so the
 * lifecycle that ends peers and calls the app's hooks (peer-lifecycle.ts)
 * does not import the Peer and Room classes that end peers in turn.
 */
export interface AppObjects {
  peer(identity: ConnectionIdentity, record?: PeerRecord): Peer;
  room(roomId: string): Room;
}

export interface IdentityCache {
  get(connectionId: string): ConnectionIdentity | undefined;
  set(identity: ConnectionIdentity): void;
  delete(connectionId: string): void;
}
