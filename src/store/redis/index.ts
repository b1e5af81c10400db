export { RedisSessionStore, type RedisSessionStoreOptions } from './sessions.js';
export { RedisLoginStore } from './logins.js';
