/** The public API for writing your own protoo app. */
export { createHandlers, type Handlers, type HandlerOptions } from './create-handlers.js';
export { ConnectionReplacedError, PeerDataChangedError, ProtooError, RoomFullError } from './app/errors.js';
export type * from './app/types.js';
export { createRoomRelay, roomRelay, DEFAULT_LIMITS, type RoomRelayLimits } from './apps/room-relay.js';
export { createJoinToken, verifyJoinToken, type JoinTokenInput, type JoinTokenSecrets } from './auth/join-token.js';
