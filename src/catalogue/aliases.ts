import { z } from 'zod';
import type { AliasTables } from './ports.js';
import { tokens } from '../text/vi/fold.js';

/** One entry of the abbreviation or English-term table (staff edits and the shipped seed). */
export const aliasEntrySchema = z.object({
  from: z.string().trim().min(1, 'thiếu cụm từ gốc').max(100),
  to: z.string().trim().min(1, 'thiếu cụm từ thay thế').max(300),
  note: z.string().max(300).optional(),
});

/** Folded phrase → folded replacement tokens. */
export type PhraseMap = Map<string, string[]>;

/** Longest phrase in the map, in tokens (expansion looks at most this far ahead). */
export interface CompiledAliases {
  map: PhraseMap;
  longest: number;
  /** First word of a phrase → [phrase words, replacement], longest phrase first. */
  byFirst: Map<string, [string[], string[]][]>;
}

export function compileAliases(tables: AliasTables): CompiledAliases {
  const it = compileAliasesSteps(tables);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** Compiles step by step (a `yield` every few hundred entries), for rebuilds off the hot path. */
export function* compileAliasesSteps(tables: AliasTables): Generator<void, CompiledAliases> {
  const map: PhraseMap = new Map();
  let longest = 1;
  let n = 0;
  for (const e of [...tables.english, ...tables.aliases]) {
    const from = tokens(e.from);
    const to = tokens(e.to);
    if (++n % 300 === 0) yield;
    if (!from.length || !to.length) continue;
    map.set(from.join(' '), to);
    longest = Math.max(longest, from.length);
  }
  const byFirst = new Map<string, [string[], string[]][]>();
  for (const [phrase, to] of map) {
    const words = phrase.split(' ');
    const list = byFirst.get(words[0]!) ?? [];
    list.push([words, to]);
    byFirst.set(words[0]!, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b[0].length - a[0].length);
  return { map, longest, byFirst };
}

export interface Expanded {
  tokens: string[];
  /** For each output token, the query text it came from (for `matched`). */
  origin: string[];
}

/** Replaces alias phrases (longest match first) in a folded token list. */
export function expandAliases(input: string[], aliases: CompiledAliases): Expanded {
  const out: string[] = [];
  const origin: string[] = [];
  let i = 0;
  outer: while (i < input.length) {
    for (const [words, to] of aliases.byFirst.get(input[i]!) ?? []) {
      if (i + words.length > input.length) continue;
      let k = 1;
      while (k < words.length && input[i + k] === words[k]) k++;
      if (k < words.length) continue;
      const phrase = words.length === 1 ? words[0]! : words.join(' ');
      for (const t of to) {
        out.push(t);
        origin.push(phrase);
      }
      i += words.length;
      continue outer;
    }
    out.push(input[i]!);
    origin.push(input[i]!);
    i++;
  }
  return { tokens: out, origin };
}
