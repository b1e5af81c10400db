import type { Channel } from './channels/channel.js';
import { createWebChannel } from './channels/web/index.js';
import { createZaloChannel } from './channels/zalo/index.js';
import { createZaloOaChannel } from './channels/zalo-oa/index.js';
import { createTelegramChannel } from './channels/telegram/index.js';
import { createCatalogueService, type CatalogueService } from './catalogue/service.js';
import type { Config } from './config.js';
import { createRouter } from './conversation/router.js';
import { createFlowRegistry, FLOWS_DIR, seedFlows, type FlowRegistry } from './flow/index.js';
import type { HandleInbound } from './core/router-types.js';
import { throttle } from './conversation/throttle.js';
import { pseudonymise } from './core/privacy.js';
import type { Logger } from './log.js';
import type { EventSink } from './stats/event.js';
import type { Stores } from './store/types.js';
import { createMemoryStores } from './store/memory.js';
import { createMemoryCoordinator, type Coordinator } from './coord/index.js';
import { APOLOGY, sessionKey, type ChannelName } from './core/message.js';
import { randomBytes } from 'node:crypto';

export interface Assistant {
  /** Every inbound message goes here (rate limit → router). */
  handle: HandleInbound;
  catalogue: CatalogueService;
  flows: FlowRegistry;
  channels: Channel[];
  /**
   * After staff changed a flow, the catalogue or the alias tables: reloads here, then tells every
   * other instance to reload too (they serve the change within a second).
   */
  changed(what: 'flow' | 'catalogue' | 'aliases'): Promise<void>;
  /**
   * Runs a few typical conversations through a throwaway router (memory stores, no events) so the
   * first citizens after a start do not pay for first-use work (lazy parsing, JIT). Call before listening.
   */
  warmUp(): Promise<void>;
  /** Stops listening for other instances' changes. */
  close(): void;
}

/** What the warm-up says: the menu, a flow and its steps, searches, questions about a procedure, English. */
const WARM_UP_TEXTS = ['/start', 'menu', '1', '2', 'quay lại', 'lam lai cccd', '1', 'lệ phí bao nhiêu', 'đăng ký tài khoản định danh điện tử', '1', 'hủy', 'doi bang lai xe o dau', 'dkkd', 'thanh toán phí', 'cấp hộ chiếu mất bao lâu', 'xin chào', 'cảm ơn', 'how to renew my passport', 'ok', 'zzzz qqqq'];


export interface AssistantDeps {
  config: Config;
  log: Logger;
  stores: Stores;
  now: () => number;
  events?: EventSink;
  /** Where the shipped flows are (default flows/). */
  flowsDir?: string;
  /** Language for citizens who have not chosen one (the chat CLI's --lang). */
  defaultLang?: 'vi' | 'en';
  /** Key for pseudonymous citizen ids in stored handoffs (the event log's key). */
  pseudonymKey?: string;
  /** Shared with the other instances (Redis); a memory one when absent (a single instance). */
  coord?: Coordinator;
  /** False while a backend is known to be down: citizens get the apology without waiting. */
  healthy?: () => boolean;
}

/**
 * Wires the parts that every entry point shares (server, chat CLI, tests):
 * catalogue (seeded on first start) → flows (seeded on first start) → router → rate limit → channels.
 */
export async function createAssistant(deps: AssistantDeps): Promise<Assistant> {
  const { config, log, stores, now } = deps;
  const coord = deps.coord ?? createMemoryCoordinator(now, log);
  const catalogue = await createCatalogueService(stores.catalogue, { settings: stores.settings });
  // Until the stats event log lands, events go to the debug log (type and channel only).
  const events: EventSink = deps.events ?? { emit: (e) => log.debug({ event: e.type, channel: e.channel }, 'event') };
  await seedFlows(stores.flows, deps.flowsDir ?? FLOWS_DIR, now(), log);
  const flows = await createFlowRegistry(stores.flows, log);
  const router = createRouter({
    flows,
    searcher: catalogue.searcher,
    onPick: catalogue.recordPick,
    sessions: stores.sessions,
    transcripts: stores.transcripts,
    handoffs: stores.handoffs,
    events,
    now,
    config,
    log,
    defaultLang: deps.defaultLang,
    ...(deps.pseudonymKey ? { pseudonymise: (id: string) => pseudonymise(id, deps.pseudonymKey!) } : {}),
  });
  const burst = coord.limiter('citizen-burst', {
    points: config.rateLimit.burst,
    durationSec: Math.max(1, Math.ceil((config.rateLimit.burst * 60) / config.rateLimit.perMinute)),
  });
  const minute = coord.limiter('citizen-minute', { points: config.rateLimit.perMinute, durationSec: 60 });
  const limited = throttle(router.handle, {
    ...config.rateLimit,
    now,
    onThrottle: (i) => events.emit({ type: 'throttled', at: now(), channel: i.channel, user: i.userId }),
    // One instance keeps its token bucket in memory; several share the limit in Redis.
    ...(coord.kind === 'memory'
      ? {}
      : {
          shared: {
            consume: (window, key) => (window === 'burst' ? burst : minute).consume(key),
            warned: async (key, ttlSec) => coord.seen(`throttle-notice:${key}`, ttlSec),
          },
        }),
  });
  // A backend that is down gets the citizen a short apology at once, never a hanging chat.
  const handle: typeof limited = async (inbound) => {
    if (deps.healthy && !deps.healthy()) return [APOLOGY];
    try {
      return await limited(inbound);
    } catch (err) {
      log.error({ err: (err as Error).message, channel: inbound.channel }, 'message not handled: a backend failed');
      return [APOLOGY];
    }
  };
  const channelDeps = {
    config,
    handle,
    log,
    settings: stores.settings,
    now,
    coord,
    // A citizen who left (unfollowed an OA): the conversation ends; staff see why an open handoff went quiet.
    async forget(channel: ChannelName, chatId: string) {
      const key = sessionKey(channel, chatId);
      await stores.sessions.delete(key);
      const open = await stores.handoffs.openFor(key);
      if (open) await stores.handoffs.append(open.id, { from: 'note', text: 'Công dân đã bỏ quan tâm Official Account: không thể nhắn cho họ qua kênh này nữa.', at: now() });
    },
  };
  const channels: Channel[] = [createWebChannel(channelDeps)];
  if (config.telegram.token) channels.push(createTelegramChannel(channelDeps));
  if (config.zalo.token) channels.push(createZaloChannel(channelDeps));
  if (config.zaloOa.appId) channels.push(createZaloOaChannel(channelDeps));
  // Reloads asked for by other instances; this instance's own message is skipped (it already reloaded).
  const self = randomBytes(8).toString('hex');
  const reload = async (what: 'flow' | 'catalogue' | 'aliases') => {
    if (what === 'flow') await flows.reload();
    else await catalogue.refresh();
  };
  const unsubscribe = coord.subscribe('reload', (m) => {
    const msg = m as { what?: unknown; from?: unknown };
    if (msg.from === self || (msg.what !== 'flow' && msg.what !== 'catalogue' && msg.what !== 'aliases')) return;
    reload(msg.what).catch((err: Error) => log.error({ err: err.message, what: msg.what }, 'reload asked by another instance failed'));
  });
  const warmUp = async () => {
    const scratch = await createMemoryStores();
    const quiet = createRouter({
      flows,
      searcher: catalogue.searcher,
      sessions: scratch.sessions,
      transcripts: scratch.transcripts,
      handoffs: scratch.handoffs,
      events: { emit: () => undefined },
      now,
      config,
      log,
    });
    for (const [i, text] of WARM_UP_TEXTS.entries()) {
      await quiet.handle({ channel: 'web', chatId: 'warm-up', userId: 'warm-up', messageId: `w${i}`, kind: text.startsWith('/') ? 'command' : 'text', text, at: now() });
    }
    await scratch.close();
  };
  return {
    handle,
    catalogue,
    flows,
    channels,
    warmUp,
    async changed(what) {
      await reload(what);
      await coord.publish('reload', { what, from: self }).catch((err: Error) => log.warn({ err: err.message, what }, 'other instances not told to reload'));
    },
    close: unsubscribe,
  };
}
