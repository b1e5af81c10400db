import type { Inbound, Reply } from './message.js';

/** What a channel adapter calls for every inbound message; resolves with the replies to send. */
export type HandleInbound = (inbound: Inbound) => Promise<Reply[]>;
