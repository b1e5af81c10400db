export type { Coordinator, Lease, Limiter, Mailbox, Topics } from './types.js';
export { CoordinatorUnavailableError } from './types.js';
export { createMemoryCoordinator } from './memory.js';
export { createRedisCoordinator, connectRedis, redisTarget, untilReady } from './redis.js';
