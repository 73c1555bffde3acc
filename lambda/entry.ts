/**
 * The Lambda entry points that `cdk deploy` and `npm start` use by default:
 * the room-relay app. To serve your own app, write a module like this one
 * around your App and point the construct (or `PROTOO_APP`) at it.
 */
import { roomRelay } from './apps/room-relay.js';
import { createHandlers } from './create-handlers.js';

export const { connect, disconnect, message } = createHandlers(roomRelay);
