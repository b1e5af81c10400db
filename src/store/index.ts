export type * from './types.js';
export { VersionConflictError } from './types.js';
export { openLowdbStores } from './lowdb.js';
export { createMemoryStores } from './memory.js';
export { StoreLockedError } from './lock.js';
export { StoreFileError } from './file-adapter.js';
export { SqliteSchemaError } from './sqlite/index.js';
