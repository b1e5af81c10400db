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
  register?(app: FastifyInstance): void | Promise<void>;
  /** Connects: checks the token (getMe), sets or deletes the webhook, starts polling. */
  start(): Promise<void>;
  /** Stops accepting updates, waits for in-flight messages (bounded by deadline), stops polling. */
  stop(deadline: number): Promise<void>;
  /** Sends replies to a chat (used by staff answering handed-over conversations). */
  send(chatId: string, replies: Reply[]): Promise<void>;
  /** True once start() succeeded (for /readyz). */
  ready(): boolean;
  /**
   * Present on channels an admin connects by hand (Zalo OA: OAuth authorisation, tokens, quota).
   * Plain data only, so the admin pages need no messenger types.
   */
  connect?: ChannelConnect;
}

/** Token state of a connected messenger account, as the admin page shows it. */
export interface ConnectStatus {
  /** Tokens are stored (obtained by the connect page or from the environment). */
  connected: boolean;
  /** The channel can send now (a usable token, no refresh problem). */
  ready: boolean;
  /** Epoch ms; null when unknown. */
  accessExpiresAt: number | null;
  refreshExpiresAt: number | null;
  /** When the tokens were last obtained or refreshed. */
  updatedAt: number | null;
  /** Why the channel cannot send (Vietnamese, then English), or null. */
  problem: string | null;
  /** Webhook URL to paste into the messenger's developer site (null without PUBLIC_URL). */
  webhookUrl: string | null;
  /** The OAuth redirect (callback) URL to register. */
  redirectUrl: string | null;
  /** Webhook events to tick. */
  events: string[];
}

/** Sends counted against the messenger's free-reply quota, for one day (Vietnam time). */
export interface QuotaDay {
  day: string;
  /** Free replies (within the reply window's allowance). */
  replies: number;
  /** Sends outside the window or past its allowance (paid or monthly quota). */
  proactive: number;
  /** Sends refused because the citizen is out of reach. */
  unreachable: number;
}

export interface QuotaFigures {
  /** Free replies allowed per citizen message, and how long after it. */
  repliesPerWindow: number;
  windowHours: number;
  /** Most recent day first. */
  days: QuotaDay[];
}

export interface ChannelConnect {
  status(): Promise<ConnectStatus>;
  /** Starts an authorisation: the URL to send the admin's browser to (state and PKCE kept by the channel). */
  authorizeUrl(redirectUri: string): Promise<string>;
  /** Finishes it with the code and state from the callback; rejects with a message staff can read. */
  complete(code: string, state: string): Promise<void>;
  /** Sends one text message to a user id (the connect page's test button); rejects with a readable message. */
  sendTest(userId: string, text: string): Promise<void>;
  /** Quota use for the stats page. */
  quota(): Promise<QuotaFigures>;
}

export interface ChannelDeps {
  config: Config;
  handle: HandleInbound;
  log: Logger;
  settings: SettingsStore;
  now: () => number;
  /** Dedupe, limits, the web outbox and the polling lease, shared by every instance (memory when alone). */
  coord: Coordinator;
  /** Ends a citizen's conversation (Zalo OA `unfollow`): forgets the session of `chatId` on `channel`. */
  forget?(channel: ChannelName, chatId: string): Promise<void>;
}
