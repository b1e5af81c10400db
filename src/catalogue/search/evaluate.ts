import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Labelled search queries (JSONL): {"q": "...", "codes": ["1.001193", ...], "style": "plain"}.
 * `codes` lists every code that counts as correct (level copies, equivalent procedures); an empty
 * list marks a message that no procedure answers. Older lines with one `code` are read as codes: [code].
 */
export const labelledQuerySchema = z
  .object({ q: z.string(), codes: z.array(z.string()).optional(), code: z.string().optional(), style: z.string().optional() })
  .transform((r) => ({ q: r.q, codes: r.codes ?? (r.code ? [r.code] : []), style: r.style ?? 'unknown' }));
export type LabelledQuery = z.output<typeof labelledQuerySchema>;

export function loadLabelled(file: string | URL): LabelledQuery[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return labelledQuerySchema.parse(JSON.parse(l));
      } catch (err) {
        throw new Error(`${String(file)} line ${i + 1}: ${(err as Error).message}`);
      }
    });
}

export interface Scores {
  n: number;
  top1: number;
  top3: number;
  mrr: number;
  /** Answerable queries that got no result at all. */
  empty: number;
  /** No-match messages (codes: []) that got no result, as a share of them. */
  nomatchEmpty: number;
  nomatch: number;
}

/** Scores a search function (codes in rank order, [] for no answer) on labelled queries. */
export function evaluate(set: readonly LabelledQuery[], run: (q: string) => string[]): Scores {
  let top1 = 0;
  let top3 = 0;
  let mrr = 0;
  let empty = 0;
  let nomatch = 0;
  let nomatchEmpty = 0;
  let n = 0;
  for (const x of set) {
    const got = run(x.q);
    if (!x.codes.length) {
      nomatch++;
      if (!got.length) nomatchEmpty++;
      continue;
    }
    n++;
    const ok = new Set(x.codes);
    const rank = got.findIndex((c) => ok.has(c));
    if (!got.length) empty++;
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (rank >= 0) mrr += 1 / (rank + 1);
  }
  return { n, top1: top1 / Math.max(1, n), top3: top3 / Math.max(1, n), mrr: mrr / Math.max(1, n), empty, nomatchEmpty: nomatchEmpty / Math.max(1, nomatch), nomatch };
}
