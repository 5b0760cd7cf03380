// The WebSocket API's public surface, for the CLI and the pipeline wiring.
export { SightlineServer, type ClientCommandMessage, type ServerStats, type SubscribeSnapshot } from './ws-server.js';
export type { ServerOptions } from './server-options.js';
export type { ClientStats } from './client-channel.js';
export { generateToken } from './auth.js';
export { elementsDiffEvent, elementsFullEvent, frameEvent, metricsEvent } from './events.js';
export * from './protocol.js';
