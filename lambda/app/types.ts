/**
 * The app API: what a protoo-server user writes room logic against. It
 * mirrors protoo-server (Room, Peer, accept/reject, notify, request) with
 * the changes a stateless Lambda forces: peer data is persisted (so it is
 * read and written with async calls), and the answer to a server → client
 * request arrives in a later invocation, through `App.onResponse`.
 *
 * Two type parameters run through it: `PeerData`, what each peer's data
 * holds (`peer.getData()`, `accept(data)` at connection), and
 * `RequestState`, what a server → client request carries to its answer
 * (`peer.request(…, { state })`, `onResponse`'s `request.state`). Both
 * default to any JSON object. "Context" always means the second argument
 * of an App handler: the peer and room it runs for, and how to answer.
 */
export type AppData = Record<string, unknown>;

export interface Peer<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  readonly id: string;
  readonly roomId: string;
  readonly connectionId: string;
  /**
   * The verified join token's app claims, for the peer whose message is
   * being handled (from the authorizer context API Gateway delivers with
   * every message: no read); {} for other peers or without a token.
   */
  readonly claims: AppData;
  /** The peer's persisted app data (protoo-server's `peer.data`). */
  getData(): Promise<PeerData>;
  /**
   * Replaces the peer's data. Throws PeerDataChangedError (409) if the
   * peer was replaced, closed, or written by someone else since it was read.
   */
  setData(data: PeerData): Promise<void>;
  /** Resolves false when the peer's connection turned out to be gone. */
  notify(method: string, data?: AppData): Promise<boolean>;
  /**
   * Sends a request to the client. The answer (or an error if the peer
   * leaves first) reaches `App.onResponse` with this `state`, which must
   * be JSON-serializable: it is stored until the answer arrives.
   */
  request(method: string, data?: AppData, options?: { state?: RequestState }): Promise<number>;
  /** Closes the connection and removes the peer (others see onPeerClosed). */
  close(): Promise<void>;
}

export interface NotifyAllOptions<PeerData extends AppData = AppData> {
  /** Peer ids that must not get the notification. */
  except?: readonly string[];
  /** Only peers whose data passes this test get it (e.g. joined peers). */
  where?: (data: PeerData, peer: Peer<PeerData>) => boolean;
}

export interface EnrollOptions {
  /** The most peers the roster may hold; a join beyond it throws RoomFullError (403) and writes nothing. */
  capacity?: number;
}

/**
 * Reads made while handling a client's message also check that client
 * still owns its peerId (getPeers, getEnrolledPeers, enroll, and the
 * peer's own getData/setData): if a newer connection took it they throw
 * ConnectionReplacedError, answered 403, and the connection is closed.
 */
export interface Room<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  readonly id: string;
  getPeers(): Promise<Peer<PeerData, RequestState>[]>;
  getPeer(peerId: string): Promise<Peer<PeerData, RequestState> | undefined>;
  /** Notifies the room's peers; resolves with how many got it. */
  notifyAll(method: string, data?: AppData, options?: NotifyAllOptions<PeerData>): Promise<number>;
  /** Notifies the given peers (e.g. from an earlier getPeers); resolves with how many got it. */
  notifyPeers(peers: readonly Peer<PeerData, RequestState>[], method: string, data?: AppData): Promise<number>;
  /**
   * Puts the peer on the room's roster — protoo-server's "joined" peers —
   * and resolves with the peers enrolled before it. Enrollments are
   * totally ordered, so of two peers enrolling at once exactly one sees the
   * other here: greet those with a notification and each pair meets once.
   * Throws ProtooError 409 if the peer is already enrolled, RoomFullError
   * (403) when the roster is at `capacity` (nothing is written then).
   */
  enroll(peer: Peer<PeerData, RequestState>, options?: EnrollOptions): Promise<Peer<PeerData, RequestState>[]>;
  /**
   * Takes the peer off the roster if its connection enrolled it (false
   * otherwise), without onPeerClosed: for undoing a join that failed half
   * way, whose caller tells whoever it told.
   */
  unenroll(peer: Peer<PeerData, RequestState>): Promise<boolean>;
  /** The live peers on the roster, with their data (one Query of the room). */
  getEnrolledPeers(): Promise<Peer<PeerData, RequestState>[]>;
  /**
   * The roster alone: who is enrolled, with which connection (one GetItem;
   * data is read lazily, per peer). Cheaper than getEnrolledPeers when only
   * membership matters.
   */
  getRoster(): Promise<Peer<PeerData, RequestState>[]>;
  /** Answers a request that a handler deferred, possibly in another invocation. */
  answer(handle: ReplyHandle, response: AppResponse): Promise<void>;
  /** Closes every peer of the room. */
  close(): Promise<void>;
}

/** A serializable pointer to a request that will be answered later. */
export interface ReplyHandle {
  connectionId: string;
  requestId: number;
}

export type AppResponse =
  | { ok: true; data?: unknown }
  | { ok: false; errorCode: number; errorReason: string };

/** A client's request or notification, as the app sees it. */
export interface IncomingMessage {
  method: string;
  data: AppData;
}

export interface RequestContext<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  peer: Peer<PeerData, RequestState>;
  room: Room<PeerData, RequestState>;
  accept(data?: AppData): Promise<void>;
  reject(code: number, reason?: string): Promise<void>;
  /** Answer later with `room.answer(handle, ...)`; the Lambda does not wait. */
  defer(): ReplyHandle;
}

export interface NotificationContext<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  peer: Peer<PeerData, RequestState>;
  room: Room<PeerData, RequestState>;
}

export interface ResponseContext<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  /** The peer that answered (or left without answering). */
  peer: Peer<PeerData, RequestState>;
  room: Room<PeerData, RequestState>;
  /** The request as the app sent it, with the state it attached. */
  request: { method: string; state: RequestState };
}

export type PeerClosedReason = 'disconnected' | 'replaced' | 'gone' | 'closed';

export interface PeerClosedEvent<PeerData extends AppData = AppData> {
  peerId: string;
  roomId: string;
  connectionId: string;
  /** The peer's data when it left. */
  data: PeerData;
  reason: PeerClosedReason;
  /** Whether it was on the roster (see Room.enroll) when it left. */
  wasEnrolled: boolean;
}

export interface PeerClosedContext<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  room: Room<PeerData, RequestState>;
  /** The roster right after it left: exactly the peers that knew it. Empty if it was not enrolled. */
  enrolledPeers: Peer<PeerData, RequestState>[];
}

export interface ConnectionRequest {
  roomId: string;
  peerId: string;
  connectionId: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  sourceIp?: string;
  /** The $connect authorizer's context, when an authorizer is configured. */
  authorizer?: AppData;
  /** The verified join token's app claims (roles, display name…); {} without them. */
  claims: AppData;
}

export interface ConnectionDecision<PeerData extends AppData = AppData> {
  /** Accept the connection; `data` becomes the new peer's initial data. */
  accept(data?: PeerData): void;
  /** Refuse the handshake with an HTTP status (default 403). */
  reject(code?: number, reason?: string): void;
}

/**
 * The app: protoo-server's room logic, as handlers of events. `PeerData`
 * types every peer's data, `RequestState` what server → client requests
 * carry to `onResponse` (see the top of this file).
 */
export interface App<PeerData extends AppData = AppData, RequestState extends AppData = AppData> {
  /** Omitted: every well-formed connection is accepted. */
  onConnectionRequest?(request: ConnectionRequest, decision: ConnectionDecision<PeerData>): void | Promise<void>;
  /** Omitted: every request is answered 404. */
  onRequest?(request: IncomingMessage, context: RequestContext<PeerData, RequestState>): void | Promise<void>;
  onNotification?(notification: IncomingMessage, context: NotificationContext<PeerData, RequestState>): void | Promise<void>;
  onResponse?(response: AppResponse, context: ResponseContext<PeerData, RequestState>): void | Promise<void>;
  onPeerClosed?(event: PeerClosedEvent<PeerData>, context: PeerClosedContext<PeerData, RequestState>): void | Promise<void>;
}
