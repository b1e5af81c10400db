import { fold } from '../text/vi/fold.js';

/** A phrase list compiled for whole-word matching on folded text. */
export interface PhraseSet {
  /** Folded phrases, longest first. */
  phrases: string[];
}

export function phraseSet(list: readonly string[]): PhraseSet {
  const phrases = [...new Set(list.map(fold).filter(Boolean))].sort((a, b) => b.split(' ').length - a.split(' ').length || b.length - a.length);
  return { phrases };
}

/** The longest phrase of the set found in `folded` as whole words, with where it is. */
export function findPhrase(folded: string, set: PhraseSet): { phrase: string; start: number; end: number } | null {
  const padded = ` ${folded} `;
  for (const p of set.phrases) {
    const i = padded.indexOf(` ${p} `);
    if (i >= 0) return { phrase: p, start: i, end: i + p.length };
  }
  return null;
}

/** `folded` with every occurrence of the set's phrases removed (longest first), spaces collapsed. */
export function removePhrases(folded: string, set: PhraseSet): string {
  let padded = ` ${folded} `;
  for (const p of set.phrases) {
    const needle = ` ${p} `;
    while (padded.includes(needle)) padded = padded.replace(needle, ' ');
  }
  return padded.trim().replace(/\s+/g, ' ');
}

/** True when nothing but filler words is left once the set's phrases are taken out. */
export function onlyFillers(folded: string, fillers: PhraseSet): boolean {
  return removePhrases(folded, fillers) === '';
}
