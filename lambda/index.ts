/** The public API for writing your own protoo app. */
export { createHandlers, type Handlers, type HandlerOptions } from './create-handlers.js';
export { ProtooError, StaleDataError } from './app/errors.js';
export type * from './app/types.js';
export { roomRelay } from './apps/room-relay.js';
