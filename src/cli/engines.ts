// The engine names `sightline run --engine` accepts: the session's own list (src/engines.ts).
export { ENGINES, createEngine, type EngineName } from '../engines.js';
