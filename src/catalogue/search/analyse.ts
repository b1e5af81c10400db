import { expandAliases } from '../aliases.js';
import { accentedTokens, fold, tokens, untypeToken, oneEditApart } from '../../text/vi/fold.js';
import { findColloquial } from '../lexicon.js';
import { deletesOf, type SearchIndex } from './index.js';

/**
 * Reading a citizen's message: fold, undo Telex/VNI keystrokes, correct one-typo words, drop
 * fillers, expand staff aliases and English terms, and find the lexicon's everyday phrases.
 * The result is a list of slots: one per meaningful word or everyday phrase, each with the index
 * terms that can satisfy it.
 */

export interface Alt {
  t: string;
  /** 1 for the word as typed (or repaired), less for a typo correction. */
  f: number;
}

export interface Slot {
  alts: Alt[];
  /** IDF weight of the slot (0 for a word the catalogue does not know). */
  w: number;
  origin: string;
  accented: string | null;
  /** A word inside an everyday phrase: the phrase slot speaks for it in coverage. */
  covered: boolean;
  phrase: boolean;
}

export interface Query {
  slots: Slot[];
  /** Folded words after repair and alias expansion. */
  words: string[];
  /** Words of the message the catalogue does not know (typos it could not fix, foreign words). */
  unknown: number;
  /** Meaningful words in the message (not fillers or stopwords). */
  meaningful: number;
  /**
   * Of the words typed with diacritics, the share the catalogue's vocabulary has in exactly that
   * spelling ("chán" is not "chăn"); the folded known-word share when nothing was accented.
   */
  accentKnown: number;
  /** Everyday lexicon phrases and staff aliases found in the message. */
  domainPhrases: number;
  asked: { qualifiers: Set<string>; actions: Set<string>; firstIssue: boolean; organisation: boolean; individual: boolean };
}

/** Typo weight: a corrected word counts this much of a word typed right. */
export const TYPO_FACTOR = 0.8;
const MAX_QUERY_WORDS = 80;
/** Longer "words" (a pasted hash, a held-down key) get no typo or Telex repair. */
const MAX_WORD = 24;


export function analyse(query: string, ix: SearchIndex): Query {
  const text = query.slice(0, 4000);
  const raw = tokens(text).slice(0, MAX_QUERY_WORDS);
  const accentOf = new Map<string, string>();
  for (const a of accentedTokens(text)) if (fold(a) !== a) accentOf.set(fold(a), a);
  const { known, postings, k } = ix;

  const correct = (t: string): string[] => {
    if (t.length < 3 || t.length > MAX_WORD || /\d/.test(t)) return [];
    const found = new Set<string>();
    for (const d of [t, ...deletesOf(t)]) for (const c of ix.deletes.get(d) ?? []) if (oneEditApart(t, c)) found.add(c);
    return [...found].sort((a, b) => (postings.get(b)?.length ?? 0) - (postings.get(a)?.length ?? 0)).slice(0, 3);
  };
  const repair = (t: string): string => {
    if (known.has(t) || t.length > MAX_WORD) return t;
    for (const c of untypeToken(t)) if (known.has(c)) return c;
    return t;
  };
  const removeFillers = (words: string[]): string[] => {
    const out: string[] = [];
    let i = 0;
    outer: while (i < words.length) {
      for (const f of k.fillers) {
        if (f.length > 1 && f.every((w, j) => words[i + j] === w)) {
          i += f.length;
          continue outer;
        }
      }
      out.push(words[i]!);
      i++;
    }
    return out;
  };

  const repaired = raw.map(repair);
  // Fix a one-typo word only when that makes a known word; prefer one that completes an alias phrase.
  const fixed = repaired.map((t, i) => {
    if (known.has(t)) return t;
    const options = correct(t);
    const prev = repaired[i - 1];
    const next = repaired[i + 1];
    const phrase = options.find((c) => (prev && (ix.aliases.map.has(`${prev} ${c}`) || ix.lexicon.colloquial.has(`${prev} ${c}`))) || (next && (ix.aliases.map.has(`${c} ${next}`) || ix.lexicon.colloquial.has(`${c} ${next}`))));
    // A misspelt alias or English term ("pasport") is rewritten so that it expands like the right spelling.
    return phrase ?? options.find((c) => t.length >= 6 && ix.aliases.map.has(c)) ?? options.find((c) => !postings.has(c)) ?? t;
  });
  const asked = {
    qualifiers: new Set(k.qualifiers.filter((q) => q.inQuery(fixed)).map((q) => q.id)),
    actions: new Set(k.actions.filter((a) => a.inQuery(fixed)).map((a) => a.id)),
    firstIssue: k.firstIssue.inQuery(fixed),
    organisation: k.audience.askOrganisation(fixed),
    individual: k.audience.askIndividual(fixed),
  };
  const plain = removeFillers(fixed);
  const expanded = expandAliases(plain, ix.aliases);
  const words = expanded.tokens;
  const phrases = findColloquial(words, ix.lexicon);
  // Everyday phrases are also read before staff aliases rewrite the words ("xây nhà cho yến").
  const before = new Set(phrases.map((p) => p.key));
  const unaliased = findColloquial(plain, ix.lexicon).filter((p) => !before.has(p.key));
  const coveredAt = new Set<number>();
  for (const ph of phrases) for (let i = ph.start; i < ph.end; i++) coveredAt.add(i);

  const slots: Slot[] = [];
  let unknown = 0;
  words.forEach((t, i) => {
    const origin = expanded.origin[i]!;
    // A stop word inside a pair that procedure names use ("bản sao") is kept.
    const inNamePair = ix.stopPairs.has(`${words[i - 1]} ${t}`) || ix.stopPairs.has(`${t} ${words[i + 1]}`);
    if (k.stopwords.has(t) && origin === t && !coveredAt.has(i) && !inNamePair) return;
    const covered = coveredAt.has(i);
    if (postings.has(t)) {
      slots.push({ alts: [{ t, f: 1 }], w: ix.idf.get(t)!, origin, accented: accentOf.get(t) ?? null, covered, phrase: false });
      return;
    }
    const alts = correct(t)
      .filter((c) => postings.has(c))
      .map((c) => ({ t: c, f: TYPO_FACTOR }));
    if (!alts.length && !covered) unknown++;
    const w = alts.length ? Math.max(...alts.map((a) => ix.idf.get(a.t)!)) : 0;
    slots.push({ alts, w, origin, accented: null, covered, phrase: false });
  });
  for (const ph of phrases) {
    if (!postings.has(ph.key)) continue;
    slots.push({ alts: [{ t: ph.key, f: 1 }], w: ix.idf.get(ph.key)!, origin: words.slice(ph.start, ph.end).join(' '), accented: null, covered: false, phrase: true });
  }
  for (const ph of unaliased) {
    if (!postings.has(ph.key)) continue;
    slots.push({ alts: [{ t: ph.key, f: 1 }], w: ix.idf.get(ph.key)!, origin: plain.slice(ph.start, ph.end).join(' '), accented: null, covered: false, phrase: true });
  }
  // A word said twice counts once.
  const seen = new Set<string>();
  const unique = slots.filter((s) => {
    const key = s.alts[0]?.t ?? `?${s.origin}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const accented = accentedTokens(text).filter((a) => fold(a) !== a && !k.stopwords.has(fold(a)));
  const meaningful = unique.filter((s) => !s.covered).length;
  const accentKnown = accented.length
    ? accented.filter((a) => ix.accentedVocabulary.has(a)).length / accented.length
    : meaningful + unknown
      ? 1 - unknown / (meaningful + unknown)
      : 0;
  const aliased = expanded.origin.filter((o, i) => o !== words[i]).length;
  return { slots: unique, words, unknown, meaningful, accentKnown, domainPhrases: phrases.length + unaliased.length + (aliased ? 1 : 0), asked };
}
