import type { Searcher } from '../catalogue/types.js';
import type { Config } from '../config.js';
import type { EngineDeps } from '../flow/context.js';
import type { FlowRegistry } from '../flow/registry.js';
import type { Logger } from '../log.js';
import type { AppEvent, EventSink } from '../stats/event.js';
import type { HandoffStore, SessionStore, TranscriptLine, TranscriptStore } from '../store/types.js';
import type { Inbound, Lang, Reply } from '../core/message.js';
import type { Session } from '../core/session.js';
import type { Handoff } from '../store/types.js';
import type { Transcripts, TurnLine } from './transcripts.js';
import type { Understanding } from './understanding.js';
import type { PhraseSet } from './phrases.js';
import type { Places } from '../places/index.js';
import type { LifeEvent } from '../catalogue/life-events.js';

/** Where this deployment serves: a province, or national when unset. Used in "where" answers and links. */
export interface Profile {
  province: string | null;
  portalUrl: string;
  hotline: string | null;
  oneStopAddress: string | null;
}

export interface RouterDeps {
  flows: FlowRegistry;
  searcher: () => Searcher;
  sessions: SessionStore;
  handoffs: HandoffStore;
  /** Where the last lines of each conversation are kept (memory when absent). */
  transcripts?: TranscriptStore;
  events: EventSink;
  now: () => number;
  config: Pick<Config, 'sessionIdleMs' | 'officeHours'> & { profile?: Profile };
  log: Logger;
  /** Language for citizens who have not chosen one. */
  defaultLang?: Lang;
  /** Keyed hash for citizen ids kept in stored records (handoffs); identity when absent. */
  pseudonymise?: (userId: string) => string;
  /** A citizen picked this procedure from search results (feeds the search's learned prior). */
  onPick?: (code: string) => void;
  /** Phrase tables (default: data/conversation.json). */
  understanding?: Understanding;
  /** Provinces after the 2025 merger (default: data/places.json). */
  places?: Places;
  /** Life events and the procedures they need (default: data/life-events.json). */
  lifeEvents?: LifeEvent[];
}

/** What every step of the pipeline shares for the life of the router. */
export interface RouterContext {
  deps: RouterDeps;
  engineDeps: EngineDeps;
  understanding: Understanding;
  places: Places;
  lifeEvents: LifeEvent[];
  profile: Profile;
  transcripts: Transcripts;
  /** Province names (current, former, aliases) with "ở/tại/tỉnh" before them: not part of a procedure's name. */
  placeWords: PhraseSet;
}

/**
 * One citizen message on its way through the pipeline. Everything here belongs to this turn
 * only: two turns running at once share nothing but the stores.
 */
export interface Turn {
  readonly inbound: Inbound;
  readonly key: string;
  readonly now: number;
  /** The message (cut to 4,000 characters); a step may narrow it ("chào ad, cho hỏi X" → "X"). */
  text: string;
  /** `text` folded (no diacritics, lower case, punctuation as spaces). */
  folded: string;
  /** The citizen's original message with personal numbers masked (for events and handoffs). */
  readonly masked: string;
  /** The citizen's line for the transcript (recorded with the replies at the end of the turn). */
  readonly line: TurnLine;
  /** The conversation's last recorded lines (before this turn). */
  readonly recent: TranscriptLine[];
  session: Session;
  /** The open handoff of this conversation, read once at the start of the turn. */
  handoff: Handoff | undefined;
  /** Said before the answer (a secret warning). */
  readonly before: Reply[];
  /** Said after the answer (where the citizen was in a flow). */
  readonly after: Reply[];
  /** A flow was started during this turn (its first step is already in the replies). */
  flowStarted: boolean;
  /** Writes started in this turn (a handoff); awaited before the replies go out. */
  readonly pending: Promise<unknown>[];
  lang(): Lang;
  save(s: Session): void;
  emit(e: Omit<AppEvent, 'at' | 'channel' | 'user'>): void;
  /** Replaces the text (and its folded form) that later steps read. */
  narrow(text: string): void;
}

/** A pipeline step: answer, or pass the turn on with `next()`. */
export type Middleware = (turn: Turn, next: () => Promise<Reply[]>) => Promise<Reply[]>;

export const t = (lang: Lang, vi: string, en: string) => (lang === 'vi' ? vi : en);
