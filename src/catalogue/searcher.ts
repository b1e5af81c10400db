import type { AliasTables } from './ports.js';
import type { Procedure } from './procedure.js';
import { analyse, type Query } from './search/analyse.js';
import { buildIndex, type SearchIndex } from './search/index.js';
import { candidates, decide, rankGroups, representative, type Candidate, type GroupHit } from './search/ranker.js';
import { CLARIFY_MARGIN, NOMATCH_MODEL, RANKER_WEIGHTS, type NoMatchModel, type RankerWeights } from './search/weights.js';
import type { Clarify, SearchHit, SearchOutcome, Searcher } from './types.js';

/**
 * Procedure search for the chat hot path: read the message (./search/analyse.ts), generate
 * candidates and features (./search/ranker.ts), score with the fitted weights
 * (./search/weights.ts), fold level copies into one service, then decide separately whether
 * there is an answer at all and whether to ask the citizen to choose.
 */

export interface SearcherOptions {
  /** Learned prior per procedure code, already bounded (see PRIOR in ./search/weights.ts). */
  prior?: ReadonlyMap<string, number>;
  weights?: RankerWeights;
  noMatch?: NoMatchModel;
}

export interface Ranked {
  query: Query;
  groups: GroupHit[];
  confidence: number;
  /** The no-match decision: false when no procedure answers the message. */
  answer: boolean;
}

export interface FullSearcher extends Searcher {
  index: SearchIndex;
  /** Ranking without the answer decision (for the fitter and explanations). */
  rank(query: string): Ranked;
  /** Every candidate with its features (for the fitter). */
  candidatesOf(query: string): Candidate[];
}

const CLARIFY_TEXT: Record<Clarify['kind'], Clarify['question']> = {
  foreign: {
    vi: 'Việc của anh/chị có yếu tố nước ngoài không (một bên là người nước ngoài, hoặc đang ở nước ngoài)? Anh/chị chọn thủ tục đúng:',
    en: 'Does your case involve a foreigner or a country abroad? Choose the right procedure:',
  },
  reissue: {
    vi: 'Anh/chị làm lần đầu, hay xin cấp lại / cấp đổi giấy đã có? Anh/chị chọn thủ tục đúng:',
    en: 'Is this a first application, or a reissue / replacement of a paper you already have? Choose the right procedure:',
  },
  audience: {
    vi: 'Anh/chị hỏi cho cá nhân, hộ gia đình hay cho doanh nghiệp, tổ chức? Anh/chị chọn thủ tục đúng:',
    en: 'Is this for an individual or household, or for a company or organisation? Choose the right procedure:',
  },
};

export function createSearcherFromIndex(ix: SearchIndex, opts: SearcherOptions = {}): FullSearcher {
  const weights = opts.weights ?? RANKER_WEIGHTS;
  const model = opts.noMatch ?? NOMATCH_MODEL;

  function rank(query: string): Ranked {
    const q = analyse(query, ix);
    if (!q.slots.length) return { query: q, groups: [], confidence: 0, answer: false };
    const groups = rankGroups(candidates(q, ix, opts.prior), weights);
    return { query: q, groups, ...decide(q, groups, model) };
  }

  /**
   * The two best services are close and differ in what matters (foreign element, first issue or
   * reissue, individual or company). If the citizen's words already settle it, the matching one goes
   * first; otherwise the citizen is asked.
   */
  function settle(r: Ranked): Clarify | null {
    preferAskedVariant(r);
    const [a, b] = r.groups;
    if (!a || !b || a.score - b.score > CLARIFY_MARGIN) return null;
    const da = a.best.doc;
    const db = b.best.doc;
    const asked = r.query.asked;
    const swap = () => {
      r.groups[0] = b;
      r.groups[1] = a;
      return null;
    };
    const foreign = (d: typeof da) => d.qualifiers.includes('foreign');
    if (foreign(da) !== foreign(db)) {
      if (!asked.qualifiers.has('foreign')) return { kind: 'foreign', question: CLARIFY_TEXT.foreign };
      return foreign(da) ? null : swap();
    }
    const reissue = (d: typeof da) => d.actions.includes('reissue') || d.actions.includes('change');
    if (reissue(da) !== reissue(db)) {
      const askedReissue = asked.actions.has('reissue') || asked.actions.has('change') || asked.actions.has('lost');
      if (!askedReissue && !asked.firstIssue) return { kind: 'reissue', question: CLARIFY_TEXT.reissue };
      return reissue(da) === askedReissue ? null : swap();
    }
    if (da.organisation !== db.organisation && da.individual !== db.individual) {
      if (!asked.organisation && !asked.individual) return { kind: 'audience', question: CLARIFY_TEXT.audience };
      return da.organisation === asked.organisation ? null : swap();
    }
    return null;
  }

  /**
   * The citizen named a qualifier ("chồng em quốc tịch Hàn" → foreign element) and the first result
   * lacks it while the same service with that qualifier is among the results: that one goes first.
   */
  function preferAskedVariant(r: Ranked): void {
    const asked = r.query.asked.qualifiers;
    const top = r.groups[0];
    if (!top || !asked.size) return;
    const missing = [...asked].filter((q) => !top.best.doc.qualifiers.includes(q));
    if (!missing.length) return;
    const base = top.best.doc.nameWords.join(' ');
    const i = r.groups.slice(1, 5).findIndex((g) => missing.some((q) => g.best.doc.qualifiers.includes(q)) && g.best.doc.nameWords.join(' ').startsWith(base));
    if (i >= 0) r.groups.unshift(...r.groups.splice(i + 1, 1));
  }

  function ask(query: string, options: { limit?: number } = {}): SearchOutcome {
    if (typeof query !== 'string' || !query.trim()) return { hits: [], clarify: null, confidence: 0 };
    const limit = Math.max(1, Math.min(50, options.limit ?? 5));
    const r = rank(query);
    if (!r.answer) return { hits: [], clarify: null, confidence: r.confidence };
    const clarify = settle(r);
    const top = r.groups[0]!.score;
    const hits: SearchHit[] = r.groups.slice(0, limit).map((g) => {
      const { doc, variants } = representative(ix, g.group);
      // 0…1: the answer probability, scaled by how close this service comes to the best one.
      const score = top > 0 ? r.confidence * Math.max(0, Math.min(1, g.score / Math.max(top, r.groups[1]?.score ?? 0))) : 0;
      return {
        procedure: doc.p,
        score: Math.round(score * 1000) / 1000,
        matched: g.best.matched,
        variants: variants.map((v) => v.p),
      };
    });
    return { hits, clarify, confidence: r.confidence };
  }

  let urls: Map<string, Procedure> | undefined;
  return {
    index: ix,
    rank,
    candidatesOf(query) {
      const q = analyse(query, ix);
      return q.slots.length ? candidates(q, ix, opts.prior) : [];
    },
    ask(query, options) {
      try {
        return ask(query, options);
      } catch {
        // A strange message must not break a conversation; it is answered as "no match".
        return { hits: [], clarify: null, confidence: 0 };
      }
    },
    search(query, options) {
      return this.ask(query, options).hits;
    },
    get: (code) => ix.byCode.get(code.trim()),
    byUrl: (url) => {
      if (!urls) urls = new Map(ix.docs.filter((d) => d.p.url).map((d) => [pageKey(d.p.url!), d.p]));
      return urls.get(pageKey(url));
    },
    variantsOf(code) {
      const p = ix.byCode.get(code.trim());
      if (!p) return [];
      const doc = ix.docByCode.get(p.code);
      return doc ? ix.groups[doc.group]!.map((id) => ix.docs[id]!.p.code).filter((c) => c !== p.code) : [];
    },
  };
}

export function createSearcher(procedures: readonly Procedure[], tables: AliasTables, opts: SearcherOptions = {}): FullSearcher {
  return createSearcherFromIndex(buildIndex(procedures, tables), opts);
}

/** A portal page's identity: the last path segment (the procedure's id on dichvucong.gov.vn). */
function pageKey(url: string): string {
  return url.trim().replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop()!.toLowerCase();
}
