/**
 * The Lambda entry points that `cdk deploy` and `npm start` use by default:
 * the room-relay app, with its room capacity from ROOM_MAX_PEERS and
 * PEER_INFO_MAX_BYTES (read once, at cold start: a bad value fails loudly).
 * To serve your own app, write a module like this one around your App and
 * point the construct (or `PROTOO_APP`) at it.
 */
import { createRoomRelay, limitsFromEnv } from './apps/room-relay.js';
import { createHandlers } from './create-handlers.js';

export const { connect, disconnect, message, sweep, handler } = createHandlers(createRoomRelay(limitsFromEnv(process.env)));
