import type { AliasTables } from '../ports.js';
import { compileAliasesSteps, expandAliases, type CompiledAliases } from '../aliases.js';
import { accentedTokens, fold, tokens as foldTokens } from '../../text/vi/fold.js';
import { compileLexiconSteps, expansionsOf, findColloquial, type CompiledLexicon } from '../lexicon.js';
import type { Procedure } from '../procedure.js';
import { knowledge, type Knowledge } from './knowledge.js';
import { BM25_B } from './weights.js';

/**
 * The search index: one document per procedure with six fields (BM25F), built in slices so that
 * a rebuild after a staff edit never holds the event loop for long (see `buildIndexAsync`).
 */

/** Index fields, in the order of the per-field arrays below. */
export const FIELDS = ['name', 'phrasings', 'lexicon', 'result', 'subjects', 'field'] as const;
export type Field = (typeof FIELDS)[number];
export const NF = FIELDS.length;

export interface PhrasingDoc {
  words: string[];
  set: Set<string>;
  /** Sum of IDF of the phrasing's meaningful words. */
  mass: number;
}

export interface Doc {
  id: number;
  p: Procedure;
  /** Index of its group (same service listed at several levels). */
  group: number;
  /** Term → offset in `tf` of its length-normalised frequencies per field (FIELDS order; BM25 `b` = BM25_B). */
  terms: Map<string, number>;
  tf: Float32Array;
  len: number[];
  nameWords: string[];
  namePos: Map<string, number[]>;
  /** Name words outside parentheses. */
  core: Set<string>;
  /** Name words without the level suffix. */
  head: Set<string>;
  coreMass: number;
  accented: Set<string>;
  phrasings: PhrasingDoc[];
  actions: string[];
  qualifiers: string[];
  firstIssue: boolean;
  organisation: boolean;
  individual: boolean;
  district: boolean;
  fullOnline: boolean;
  citizen: boolean;
  commune: boolean;
}

export interface SearchIndex {
  docs: Doc[];
  /** Term → ids of documents that have it in any field. */
  postings: Map<string, number[]>;
  /** Term → ids of documents that have it in the name, phrasings or lexicon field. */
  strongPostings: Map<string, number[]>;
  idf: Map<string, number>;
  avgLen: number[];
  /** Words the search understands: catalogue words plus alias and lexicon words. */
  known: Set<string>;
  /** Symmetric-delete index for one-typo lookups (SymSpell idea). */
  deletes: Map<string, string[]>;
  /** Lower-cased words with diacritics from names, results, phrasings, aliases and the lexicon. */
  accentedVocabulary: Set<string>;
  /** Document ids per group. */
  groups: number[][];
  byCode: Map<string, Procedure>;
  docByCode: Map<string, Doc>;
  aliases: CompiledAliases;
  lexicon: CompiledLexicon;
  k: Knowledge;
  /** Word pairs of procedure names that hold a stop word ("ban sao", "tai sao"): there the word means something. */
  stopPairs: Set<string>;
}

export function deletesOf(t: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.length; i++) out.push(t.slice(0, i) + t.slice(i + 1));
  return out;
}

function count(words: readonly string[], into: Map<string, number> = new Map()): Map<string, number> {
  for (const w of words) into.set(w, (into.get(w) ?? 0) + 1);
  return into;
}

/**
 * Words of a text plus the keys of everyday lexicon phrases in it, plus the expansion of staff
 * aliases ("BHXH" in a name also reads "bảo hiểm xã hội", as the citizen's "bhxh" does).
 */
function withPhrases(words: string[], lex: CompiledLexicon, aliases: CompiledAliases): string[] {
  const keys = findColloquial(words, lex).map((f) => f.key);
  const expanded = expandAliases(words, aliases).tokens;
  const extra = expanded.length !== words.length || expanded.some((t, i) => t !== words[i]) ? expanded.filter((t) => !words.includes(t)) : [];
  return keys.length || extra.length ? [...words, ...keys, ...extra] : words;
}

/**
 * Builds the index step by step; each `yield` is a safe point to let other work run.
 * `slice` is how many procedures are indexed between two yields.
 */
export function* buildIndexSteps(procedures: readonly Procedure[], tables: AliasTables, slice = 150): Generator<void, SearchIndex> {
  const k = knowledge();
  // Subjects, fields and results repeat across many procedures: fold each distinct text once.
  const memo = new Map<string, string[]>();
  const tokens = (text: string): string[] => {
    let t = memo.get(text);
    if (!t) {
      t = foldTokens(text);
      memo.set(text, t);
    }
    return t;
  };
  const aliases = yield* compileAliasesSteps(tables);
  const lexicon = yield* compileLexiconSteps(tables.lexicon ?? []);
  yield;
  const docs: Doc[] = [];
  const postings = new Map<string, number[]>();
  const strongPostings = new Map<string, number[]>();
  const byCode = new Map<string, Procedure>();
  const groupOf = new Map<string, number>();
  const groups: number[][] = [];

  for (const p of procedures) {
    byCode.set(p.code, p);
    const lower = p.name.normalize('NFC').toLowerCase();
    const nameWords = tokens(p.name);
    const namePos = new Map<string, number[]>();
    nameWords.forEach((t, i) => {
      const list = namePos.get(t);
      if (list) list.push(i);
      else namePos.set(t, [i]);
    });
    const headName = p.name.replace(k.levelSuffix, '');
    const core = tokens(p.name.replace(/\([^)]*\)?/g, ' '));
    const head = tokens(headName);
    const phrasingWords = (p.phrasings ?? []).map((s) => tokens(s)).filter((w) => w.length);
    // Phrasings are most of the indexing work: expand each once for the field and the phrasing sets.
    const phrasingExpanded = phrasingWords.map((w) => withPhrases(w, lexicon, aliases));
    const resultWords = tokens(p.result ?? '');
    const fields: string[][] = [
      withPhrases(nameWords, lexicon, aliases),
      phrasingExpanded.flat(),
      [...expansionsOf(nameWords, lexicon), ...expansionsOf(resultWords, lexicon)],
      resultWords,
      tokens(p.subjects ?? ''),
      tokens(p.field),
    ];
    const id = docs.length;
    const gkey = tokens(headName).join(' ');
    let group = groupOf.get(gkey);
    if (group === undefined) {
      group = groups.length;
      groupOf.set(gkey, group);
      groups.push([]);
    }
    groups[group]!.push(id);
    const terms = new Map<string, number>();
    const freq: number[] = [];
    fields.forEach((words, f) => {
      for (const [t, n] of count(words)) {
        let at = terms.get(t);
        if (at === undefined) {
          at = freq.length;
          for (let k = 0; k < NF; k++) freq.push(0);
          terms.set(t, at);
          const list = postings.get(t);
          if (list) list.push(id);
          else postings.set(t, [id]);
        }
        if (f <= 2 && !freq[at] && !freq[at + 1] && !freq[at + 2]) {
          const list = strongPostings.get(t);
          if (list) list.push(id);
          else strongPostings.set(t, [id]);
        }
        freq[at + f] = n;
      }
    });
    // Actions are read on the first clause only: "… lần đầu, thay đổi, cấp lại" lists variants it also covers.
    const firstClause = lower.split(/[,;]/)[0]!;
    docs.push({
      id,
      p,
      group,
      terms,
      tf: Float32Array.from(freq),
      len: fields.map((f) => f.length),
      nameWords,
      namePos,
      core: new Set(core.length ? core : nameWords),
      head: new Set(head.length ? head : nameWords),
      coreMass: 1,
      accented: new Set(accentedTokens(p.name)),
      phrasings: phrasingWords.map((w, i) => ({ words: w, set: new Set(phrasingExpanded[i]), mass: 1 })),
      actions: k.actions.filter((a) => a.inName(firstClause)).map((a) => a.id),
      qualifiers: k.qualifiers.filter((q) => q.inName(lower)).map((q) => q.id),
      firstIssue: k.firstIssue.inName(firstClause),
      organisation: k.audience.organisation(lower),
      individual: k.audience.individual(lower),
      district: k.district(lower),
      fullOnline: k.fullOnline(lower),
      citizen: k.audience.servesIndividuals(p.subjects ?? ''),
      commune: p.level.includes('xa'),
    });
    if (docs.length % slice === 0) yield;
  }

  const n = Math.max(1, docs.length);
  const idf = new Map<string, number>();
  let step = 0;
  for (const [t, list] of postings) {
    idf.set(t, Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5)));
    if (++step % 4000 === 0) yield;
  }
  const avgLen = FIELDS.map((_, f) => Math.max(1, docs.reduce((s, d) => s + d.len[f]!, 0) / n));
  const mass = (words: Iterable<string>) => {
    let m = 0;
    for (const t of words) if (!k.nameStopwords.has(t)) m += idf.get(t) ?? 0;
    return m || 1;
  };
  for (const d of docs) {
    const norm = d.len.map((l, f) => 1 - BM25_B + (BM25_B * l) / avgLen[f]!);
    for (let i = 0; i < d.tf.length; i++) if (d.tf[i]) d.tf[i] = d.tf[i]! / norm[i % NF]!;
    d.coreMass = mass(d.core);
    for (const ph of d.phrasings) ph.mass = mass(ph.set);
    if (d.id % slice === 0) yield;
  }

  const accentedVocabulary = new Set<string>();
  const addAccented = (text: string | null | undefined) => {
    if (text) for (const w of accentedTokens(text)) accentedVocabulary.add(w);
  };
  // Pairs used by at least three names, so that one odd name does not make a stop word count.
  const pairCount = new Map<string, number>();
  for (const d of docs) {
    const w = fold(d.p.name).split(' ');
    for (let i = 1; i < w.length; i++) if (k.stopwords.has(w[i]!) || k.stopwords.has(w[i - 1]!)) pairCount.set(`${w[i - 1]} ${w[i]}`, (pairCount.get(`${w[i - 1]} ${w[i]}`) ?? 0) + 1);
    for (const word of d.accented) accentedVocabulary.add(word);
    addAccented(d.p.result);
    for (const ph of d.p.phrasings ?? []) addAccented(ph);
    if (d.id % slice === 0) yield;
  }
  const stopPairs = new Set([...pairCount].filter(([, n]) => n >= 3).map(([p]) => p));
  for (const e of [...tables.aliases, ...tables.english]) addAccented(e.from);
  yield;
  for (const c of tables.lexicon ?? []) for (const t of [...c.colloquial, ...c.official]) addAccented(t);
  yield;
  const known = new Set<string>();
  for (const t of postings.keys()) if (!t.startsWith('~')) known.add(t);
  for (const phrase of aliases.map.keys()) for (const t of phrase.split(' ')) known.add(t);
  for (const phrase of lexicon.colloquial.keys()) for (const t of phrase.split(' ')) known.add(t);
  const deletes = new Map<string, string[]>();
  let i = 0;
  for (const t of known) {
    if (t.length < 3 || /^\d+$/.test(t)) continue;
    for (const d of [t, ...deletesOf(t)]) {
      const list = deletes.get(d);
      if (list) list.push(t);
      else deletes.set(d, [t]);
    }
    if (++i % 1000 === 0) yield;
  }
  yield;
  const docByCode = new Map(docs.map((d) => [d.p.code, d]));
  return { docs, postings, strongPostings, idf, avgLen, known, deletes, accentedVocabulary, groups, byCode, docByCode, aliases, lexicon, k, stopPairs };
}

/** Builds the whole index at once (CLI, tests, start-up before the server is ready). */
export function buildIndex(procedures: readonly Procedure[], tables: AliasTables): SearchIndex {
  const it = buildIndexSteps(procedures, tables);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/**
 * Builds the index in slices of at most `budgetMs` of work, yielding to the event loop between
 * them, so chat messages keep being answered (with the previous index) during a rebuild.
 */
export async function buildIndexAsync(procedures: readonly Procedure[], tables: AliasTables, budgetMs = 3): Promise<SearchIndex> {
  const it = buildIndexSteps(procedures, tables, 4);
  for (;;) {
    const start = performance.now();
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
      if (performance.now() - start >= budgetMs) break;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
