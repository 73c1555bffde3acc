import type { AppData, Peer, ReplyHandle, RequestContext, Room } from '../../app/types.js';

/** A peer's data in the relay: the public info it joined with. */
export type RelayPeerData = { info?: AppData };

/** What a relayed request carries to its answer: the request to answer with it. */
export type RelayRequestState = { replyTo?: ReplyHandle };

export type RelayPeer = Peer<RelayPeerData, RelayRequestState>;
export type RelayRoom = Room<RelayPeerData, RelayRequestState>;
export type RelayRequestContext = RequestContext<RelayPeerData, RelayRequestState>;
