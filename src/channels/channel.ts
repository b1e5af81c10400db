import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { ChannelName, Reply } from '../core/message.js';
import type { HandleInbound } from '../core/router-types.js';
import type { Logger } from '../log.js';
import type { Coordinator } from '../coord/index.js';
import type { SettingsStore } from '../store/types.js';

/**
 * A messenger the assistant talks on. Each lives in its own folder under src/channels/ and is
 * the only code that knows the messenger's types.
 */
export interface Channel {
  readonly name: ChannelName;
  /** 'polling' | 'webhook' | 'http' (web chat) — for start-up logs and /readyz. */
  readonly mode: string;
  /** Registers HTTP routes (webhooks) on the app; called before the app listens. */
  register?(app: FastifyInstance): void;
  /** Connects: checks the token (getMe), sets or deletes the webhook, starts polling. */
  start(): Promise<void>;
  /** Stops accepting updates, waits for in-flight messages (bounded by deadline), stops polling. */
  stop(deadline: number): Promise<void>;
  /** Sends replies to a chat (used by staff answering handed-over conversations). */
  send(chatId: string, replies: Reply[]): Promise<void>;
  /** True once start() succeeded (for /readyz). */
  ready(): boolean;
}

export interface ChannelDeps {
  config: Config;
  handle: HandleInbound;
  log: Logger;
  settings: SettingsStore;
  now: () => number;
  /** Dedupe, limits, the web outbox and the polling lease, shared by every instance (memory when alone). */
  coord: Coordinator;
}
