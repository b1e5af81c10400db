import { z } from 'zod';
import { tokens } from '../text/vi/fold.js';

/**
 * Concept lexicon: everyday words citizens use ("sổ đỏ", "giấy báo tử", "flycam") linked to the
 * official words of the catalogue ("giấy chứng nhận quyền sử dụng đất", "khai tử", "tàu bay không
 * người lái"). The search adds a concept's everyday words to every procedure whose name or
 * result contains one of its official terms (the "lexicon" field of the index), so a message that
 * uses the everyday word meets the official procedure without anyone writing that message down.
 * Staff edit it on the aliases page; the seed is data/lexicon.json.
 */
export const lexiconConceptSchema = z.object({
  official: z.array(z.string().trim().min(1).max(200)).min(1, 'thiếu thuật ngữ chính thức').max(10),
  colloquial: z.array(z.string().trim().min(1).max(100)).min(1, 'thiếu cách nói thường ngày').max(40),
  field: z.string().trim().max(300).optional(),
  note: z.string().max(300).optional(),
});
export type LexiconConcept = z.output<typeof lexiconConceptSchema>;

/** Folded phrases as index keys; a leading "~" keeps them apart from plain words. */
export const phraseKey = (folded: string[]): string => `~${folded.join(' ')}`;

export interface CompiledLexicon {
  /** Folded everyday phrase → its key (phrases of one or more words). */
  colloquial: Map<string, string>;
  /** Longest everyday phrase, in words. */
  longest: number;
  /** First folded word of an everyday phrase → its phrases, longest first. */
  byFirst: Map<string, { words: string[]; key: string }[]>;
  /** First folded word of an official term → [term words, keys of the concept's everyday phrases]. */
  official: Map<string, { words: string[]; keys: string[] }[]>;
  size: number;
}

export function compileLexicon(concepts: readonly LexiconConcept[]): CompiledLexicon {
  const it = compileLexiconSteps(concepts);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** Compiles step by step (a `yield` every hundred concepts), for rebuilds off the hot path. */
export function* compileLexiconSteps(concepts: readonly LexiconConcept[]): Generator<void, CompiledLexicon> {
  const colloquial = new Map<string, string>();
  const official = new Map<string, { words: string[]; keys: string[] }[]>();
  let longest = 1;
  let n = 0;
  for (const c of concepts) {
    if (++n % 100 === 0) yield;
    const keys: string[] = [];
    for (const phrase of c.colloquial) {
      const words = tokens(phrase);
      if (!words.length) continue;
      const key = phraseKey(words);
      colloquial.set(words.join(' '), key);
      keys.push(key);
      longest = Math.max(longest, words.length);
    }
    if (!keys.length) continue;
    for (const term of c.official) {
      const words = tokens(term);
      if (!words.length) continue;
      const list = official.get(words[0]!) ?? [];
      list.push({ words, keys });
      official.set(words[0]!, list);
    }
  }
  yield;
  const byFirst = new Map<string, { words: string[]; key: string }[]>();
  for (const [phrase, key] of colloquial) {
    const words = phrase.split(' ');
    const list = byFirst.get(words[0]!) ?? [];
    list.push({ words, key });
    byFirst.set(words[0]!, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.words.length - a.words.length);
  return { colloquial, longest, byFirst, official, size: concepts.length };
}

/** Everyday phrases found in folded words (longest first, non-overlapping), with their spans. */
export function findColloquial(words: readonly string[], lex: CompiledLexicon): { key: string; start: number; end: number }[] {
  const found: { key: string; start: number; end: number }[] = [];
  let i = 0;
  outer: while (i < words.length) {
    for (const ph of lex.byFirst.get(words[i]!) ?? []) {
      if (ph.words.every((w, k) => words[i + k] === w)) {
        found.push({ key: ph.key, start: i, end: i + ph.words.length });
        i += ph.words.length;
        continue outer;
      }
    }
    i++;
  }
  return found;
}

/** Keys of the everyday phrases of every concept whose official term occurs in `words`. */
export function expansionsOf(words: readonly string[], lex: CompiledLexicon): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    for (const term of lex.official.get(words[i]!) ?? []) {
      if (term.words.every((w, k) => words[i + k] === w)) for (const key of term.keys) out.add(key);
    }
  }
  return out;
}
