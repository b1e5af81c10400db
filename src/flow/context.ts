import type { Searcher } from '../catalogue/types.js';
import type { OfficeHours } from '../config.js';
import type { Reply } from '../core/message.js';
import type { Session } from '../core/session.js';
import type { Flow, Step, Text } from './schema.js';

/** What the engine may read besides the flow and the session: all pure lookups. */
export interface EngineDeps {
  /** The current published version of another flow (for `goto`). */
  flow(id: string): { flow: Flow; version: number } | undefined;
  searcher(): Searcher;
  officeHours: OfficeHours;
  /**
   * True when the router can answer this text on its own (a question about a procedure, a
   * procedure name, a life event, something out of scope): a menu step lets it go instead of re-asking.
   */
  understands?(text: string): boolean;
}

/** `repeat` shows the current step again (after a language switch, or below an answer to a side question). */
export type EngineInput = { kind: 'start' } | { kind: 'text'; text: string } | { kind: 'back' } | { kind: 'repeat' };

export interface EngineEvent {
  type: 'flow_start' | 'step_enter' | 'flow_complete' | 'validation_error' | 'search' | 'search_miss' | 'handoff' | 'csat' | 'containment';
  flowId: string;
  stepId?: string;
  text?: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface HandoffRequest {
  summary: string;
  reason: string;
}

export interface StepResult {
  state: Session;
  replies: Reply[];
  events: EngineEvent[];
  /** Set when a `handoff` step asks for a human. */
  handoff?: HandoffRequest;
  /** The flow ended without using the citizen's text (e.g. a new question instead of a rating): route it again. */
  unhandled?: boolean;
  /** The step still waits for its answer, but the text was something else (a question): route it, keep the flow. */
  aside?: boolean;
}

/** Mutable scratch of one engine call; executors append to it. */
export interface Run {
  flow: Flow;
  state: Session;
  replies: Reply[];
  events: EngineEvent[];
  now: number;
  deps: EngineDeps;
  handoff?: HandoffRequest;
  unhandled?: boolean;
  aside?: boolean;
  /** Guards against say/branch/goto loops. */
  hops: number;
  /** Moves to another step of this flow and runs it. */
  go(stepId: string): void;
  /** Ends the flow: the citizen is back at the main menu. */
  finish(completed: boolean): void;
  /** Starts another flow from its first step. */
  jump(flowId: string): void;
}

export interface StepExecutor<S extends Step = Step> {
  /** Called when the flow arrives at the step (it either moves on or waits for the citizen). */
  enter(step: S, id: string, run: Run): void;
  /** Called with the citizen's answer while the flow waits at this step. */
  answer?(step: S, id: string, text: string, run: Run): void;
}

/** A session variable by path: `name` or `name.field` (`procedure.name`). */
export function varAt(vars: Record<string, unknown>, path: string): unknown {
  const [head, field] = path.split('.') as [string, string?];
  const v = vars[head];
  return field && v && typeof v === 'object' ? (v as Record<string, unknown>)[field] : v;
}

/** A flow text as the citizen sees it: in their language, with `{var}` and `{procedure.name}` filled in from the session. */
export function renderText(run: Run, text: Text): string {
  const raw = text[run.state.lang] || text.vi;
  return raw.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)?)\}/g, (m, path: string) => {
    const value = varAt(run.state.vars, path);
    return value === undefined || value === null ? m : String(value);
  });
}
