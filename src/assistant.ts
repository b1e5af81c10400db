import type { Channel } from './channels/channel.js';
import { createWebChannel } from './channels/web/index.js';
import { createZaloChannel } from './channels/zalo/index.js';
import { createTelegramChannel } from './channels/telegram/index.js';
import { createCatalogueService, type CatalogueService } from './catalogue/service.js';
import type { Config } from './config.js';
import { createRouter } from './conversation/router.js';
import { createFlowRegistry, FLOWS_DIR, seedFlows, type FlowRegistry } from './flow/index.js';
import type { HandleInbound } from './core/router-types.js';
import { throttle } from './core/throttle.js';
import { pseudonymise } from './core/privacy.js';
import type { Logger } from './log.js';
import type { EventSink } from './stats/event.js';
import type { Stores } from './store/types.js';

export interface Assistant {
  /** Every inbound message goes here (rate limit → router). */
  handle: HandleInbound;
  catalogue: CatalogueService;
  flows: FlowRegistry;
  channels: Channel[];
}

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
}

/**
 * Wires the parts that every entry point shares (server, chat CLI, tests):
 * catalogue (seeded on first start) → flows (seeded on first start) → router → rate limit → channels.
 */
export async function createAssistant(deps: AssistantDeps): Promise<Assistant> {
  const { config, log, stores, now } = deps;
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
  const handle = throttle(router.handle, {
    ...config.rateLimit,
    now,
    onThrottle: (i) => events.emit({ type: 'throttled', at: now(), channel: i.channel, user: i.userId }),
  });
  const channelDeps = { config, handle, log, settings: stores.settings, now };
  const channels: Channel[] = [createWebChannel(channelDeps)];
  if (config.telegram.token) channels.push(createTelegramChannel(channelDeps));
  if (config.zalo.token) channels.push(createZaloChannel(channelDeps));
  return { handle, catalogue, flows, channels };
}
