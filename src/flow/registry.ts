import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fold, tokens, oneEditApart } from '../text/vi/fold.js';
import type { Logger } from '../log.js';
import { VersionConflictError, type FlowRecord, type FlowStore } from './ports.js';
import type { Flow } from './schema.js';
import { parseFlowYaml, type FlowError } from './validate.js';

/** Shipped flows (flows/ at the repository root). */
export const FLOWS_DIR = new URL('../../flows/', import.meta.url).pathname;

export interface FlowRegistry {
  /** The version citizens get when they start the flow now (last good published version). */
  current(id: string): { flow: Flow; version: number } | undefined;
  /** A pinned version (a citizen mid-flow keeps the version they started). */
  get(id: string, version: number): Flow | undefined;
  ids(): string[];
  /** The enabled flow whose trigger phrase the text matches best, if any. */
  match(text: string): string | undefined;
  /** Like `match`, with the trigger phrase (folded words) that matched. */
  matchTrigger(text: string): { id: string; phrase: string[] } | undefined;
  /** Re-reads the store after staff publish or roll back. Returns problems found. */
  reload(): Promise<FlowError[]>;
}

/** Publishes each flows/*.yaml whose id is not in the store yet, as version 1 by "system". */
export async function seedFlows(store: FlowStore, dir: string, now: number, log: Logger): Promise<void> {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    return;
  }
  const ids = new Set(files.map((f) => f.replace(/\.yaml$/, '')));
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const parsed = parseFlowYaml(text, ids);
    if (!parsed.ok) {
      log.error({ file: f, errors: parsed.errors }, 'shipped flow is invalid; not seeded');
      continue;
    }
    if (await store.get(parsed.flow.id)) continue;
    try {
      // expectedCurrent 0: of several instances starting together on one database, one seeds it.
      await store.publish(parsed.flow.id, text, 'system', now, { note: 'seeded from flows/', expectedCurrent: 0 });
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
}

/**
 * Flows by id and version, read from the store on (re)load and parsed lazily, cached per version
 * (versions are immutable). A version that fails to parse is reported and the last good one keeps serving.
 */
export async function createFlowRegistry(store: FlowStore, log: Logger): Promise<FlowRegistry> {
  const cache = new Map<string, Flow | null>();
  let records = new Map<string, FlowRecord>();
  let currentById = new Map<string, { flow: Flow; version: number }>();
  let triggers: { id: string; phrase: string[]; joined: string }[] = [];

  const parseVersion = (id: string, version: number): Flow | undefined => {
    const key = `${id}@${version}`;
    if (cache.has(key)) return cache.get(key) ?? undefined;
    const v = records.get(id)?.versions.find((x) => x.version === version);
    if (!v) return undefined;
    const parsed = parseFlowYaml(v.yaml);
    cache.set(key, parsed.ok ? parsed.flow : null);
    return parsed.ok ? parsed.flow : undefined;
  };

  const reload = async (): Promise<FlowError[]> => {
    const problems: FlowError[] = [];
    const next = new Map<string, { flow: Flow; version: number }>();
    const list = await store.list();
    records = new Map(list.map((r) => [r.id, r]));
    for (const r of list) {
      if (r.disabled) continue;
      // Newest version that parses: a broken publish never takes a flow down.
      for (let v = r.current; v >= 1; v--) {
        const flow = parseVersion(r.id, v);
        if (flow) {
          next.set(r.id, { flow, version: v });
          if (v !== r.current) problems.push({ flowId: r.id, message: `version ${r.current} is invalid; serving version ${v}` });
          break;
        }
      }
    }
    currentById = next;
    triggers = [...next.values()].flatMap(({ flow }) =>
      [...flow.triggers.vi, ...flow.triggers.en].map((p) => {
        const phrase = tokens(p);
        return { id: flow.id, phrase, joined: phrase.join(' ') };
      }),
    );
    for (const p of problems) log.warn(p, 'flow problem');
    return problems;
  };
  await reload();

  const registry: FlowRegistry = {
    current: (id) => currentById.get(id),
    get: (id, version) => parseVersion(id, version),
    ids: () => [...currentById.keys()],
    match(text) {
      return registry.matchTrigger(text)?.id;
    },
    matchTrigger(text) {
      const words = tokens(text);
      if (!words.length || words.length > 30) return undefined;
      const joined = ` ${words.join(' ')} `;
      const length = fold(text).split(' ').length;
      let best: { id: string; phrase: string[] } | undefined;
      for (const t of triggers) {
        if (!t.phrase.length) continue;
        // Whole phrase present, or every phrase word present with one typo allowed per word.
        const exact = joined.includes(` ${t.joined} `);
        const fuzzy = !exact && t.phrase.every((w) => words.some((q) => q === w || (w.length >= 4 && oneEditApart(q, w))));
        const whole = length <= t.phrase.length + 6;
        if ((exact || (fuzzy && whole)) && (!best || t.phrase.length > best.phrase.length)) best = t;
      }
      return best ? { id: best.id, phrase: [...best.phrase] } : undefined;
    },
    reload,
  };
  return registry;
}
