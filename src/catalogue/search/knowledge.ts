import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { tokens } from '../../text/vi/fold.js';

/**
 * The named facts and language lists the search uses, loaded from data/search-facets.json and
 * data/search-language.json (documented there). Nothing here is tuned: these are facts about
 * Vietnamese procedures and about how people write.
 */

const phrases = z.array(z.string().min(1));
const facetsSchema = z.object({
  qualifiers: z.array(z.object({ id: z.string(), label: z.object({ vi: z.string(), en: z.string() }), name: phrases, query: phrases })),
  actions: z.array(z.object({ id: z.string(), name: phrases, query: phrases })),
  firstIssue: z.object({ name: phrases, query: phrases }),
  audience: z.object({
    citizenSubjects: phrases,
    organisation: z.object({ name: phrases }),
    individual: z.object({ name: phrases }),
    query: z.object({ organisation: phrases, individual: phrases }),
  }),
  districtLevel: z.object({ since: z.string(), name: phrases }),
  fullOnline: z.object({ name: phrases }),
  levelPreference: z.object({ order: z.array(z.enum(['xa', 'tinh', 'trung_uong', 'khac'])) }),
  levelSuffix: z.object({ pattern: z.string() }),
});
const languageSchema = z.object({ fillers: phrases, stopwords: z.string(), nameStopwords: z.string() });

/** A phrase test on a lower-cased, accented name: whole words only ("đổi" is not "đối"). */
export type NameTest = (lowerName: string) => boolean;
/** A phrase test on a folded message's words. */
export type QueryTest = (words: readonly string[]) => boolean;

export interface Facet {
  id: string;
  label: { vi: string; en: string };
  inName: NameTest;
  inQuery: QueryTest;
}

export interface Knowledge {
  qualifiers: Facet[];
  actions: Facet[];
  firstIssue: { inName: NameTest; inQuery: QueryTest };
  audience: { organisation: NameTest; individual: NameTest; askOrganisation: QueryTest; askIndividual: QueryTest; servesIndividuals: (subjects: string) => boolean };
  district: NameTest;
  fullOnline: NameTest;
  levelOrder: string[];
  levelSuffix: RegExp;
  /** Folded filler phrases, longest first. */
  fillers: string[][];
  stopwords: Set<string>;
  nameStopwords: Set<string>;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function nameTest(list: string[]): NameTest {
  const re = new RegExp(`(?<!\\p{L})(?:${list.map((p) => escape(p.normalize('NFC').toLowerCase())).join('|')})(?!\\p{L})`, 'u');
  return (name) => re.test(name);
}

/** True when the words contain the phrase as consecutive words. */
export function containsPhrase(words: readonly string[], phrase: readonly string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= words.length; i++) {
    for (let k = 0; k < phrase.length; k++) if (words[i + k] !== phrase[k]) continue outer;
    return true;
  }
  return false;
}

function queryTest(list: string[]): QueryTest {
  const folded = list.map((p) => tokens(p)).filter((w) => w.length);
  return (words) => folded.some((p) => containsPhrase(words, p));
}

export function loadKnowledge(dir: URL = new URL('../../../data/', import.meta.url)): Knowledge {
  const read = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as unknown;
  const f = facetsSchema.parse(read('search-facets.json'));
  const l = languageSchema.parse(read('search-language.json'));
  const facet = (x: { id: string; label?: { vi: string; en: string }; name: string[]; query: string[] }): Facet => ({
    id: x.id,
    label: x.label ?? { vi: x.id, en: x.id },
    inName: nameTest(x.name),
    inQuery: queryTest(x.query),
  });
  return {
    qualifiers: f.qualifiers.map(facet),
    actions: f.actions.map(facet),
    firstIssue: { inName: nameTest(f.firstIssue.name), inQuery: queryTest(f.firstIssue.query) },
    audience: {
      organisation: nameTest(f.audience.organisation.name),
      individual: nameTest(f.audience.individual.name),
      askOrganisation: queryTest(f.audience.query.organisation),
      askIndividual: queryTest(f.audience.query.individual),
      servesIndividuals: (subjects) => f.audience.citizenSubjects.some((x) => subjects.toLowerCase().includes(x.toLowerCase())),
    },
    district: nameTest(f.districtLevel.name),
    fullOnline: nameTest(f.fullOnline.name),
    levelOrder: f.levelPreference.order,
    levelSuffix: new RegExp(f.levelSuffix.pattern, 'iu'),
    fillers: l.fillers.map((p) => tokens(p)).filter((w) => w.length).sort((a, b) => b.length - a.length),
    stopwords: new Set(l.stopwords.split(/\s+/).filter(Boolean)),
    nameStopwords: new Set(l.nameStopwords.split(/\s+/).filter(Boolean)),
  };
}

let cached: Knowledge | null = null;
/** The shipped knowledge, loaded once. */
export function knowledge(): Knowledge {
  cached ??= loadKnowledge();
  return cached;
}
