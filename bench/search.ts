import { readFileSync } from 'node:fs';
import Fuse from 'fuse.js';
import { loadSeed } from '../src/catalogue/service.js';
import { createSearcher } from '../src/catalogue/searcher.js';
import type { Procedure } from '../src/catalogue/procedure.js';

export interface LabelledQuery {
  q: string;
  code: string;
}

export function loadDevSet(): LabelledQuery[] {
  const text = readFileSync(new URL('../test/fixtures/search-queries.jsonl', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LabelledQuery);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function measure(queries: LabelledQuery[], run: (q: string) => string[], rounds: number) {
  for (const { q } of queries.slice(0, 50)) run(q); // warm-up
  const times: number[] = [];
  let top1 = 0;
  let top3 = 0;
  for (let r = 0; r < rounds; r++) {
    for (const { q, code } of queries) {
      const t = performance.now();
      const codes = run(q);
      times.push(performance.now() - t);
      if (r === 0) {
        if (codes[0] === code) top1++;
        if (codes.slice(0, 3).includes(code)) top3++;
      }
    }
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), top1: top1 / queries.length, top3: top3 / queries.length };
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** This search vs plain Fuse.js over all names, same queries, same run. */
export async function benchSearch(): Promise<Record<string, number>> {
  const { procedures, tables } = loadSeed();
  const queries = loadDevSet();
  const before = heapUsed();
  const t0 = performance.now();
  const searcher = createSearcher(procedures, tables);
  const buildMs = performance.now() - t0;
  const heapMb = Math.max(0, heapUsed() - before) / 1024 / 1024;
  const fuse = new Fuse<Procedure>(procedures, { keys: ['name'], ignoreDiacritics: true, ignoreLocation: true });

  const ours = measure(queries, (q) => searcher.search(q, { limit: 5 }).map((h) => h.procedure.code), 5);
  const plain = measure(queries, (q) => fuse.search(q, { limit: 5 }).map((r) => r.item.code), 1);
  return {
    'search.p50_ms': ours.p50,
    'search.p99_ms': ours.p99,
    'search.top1': ours.top1,
    'search.top3': ours.top3,
    'fuse.p50_ms': plain.p50,
    'fuse.p99_ms': plain.p99,
    'fuse.top1': plain.top1,
    'fuse.top3': plain.top3,
    speedup_p50: plain.p50 / Math.max(ours.p50, 1e-6),
    'index.build_ms': buildMs,
    'index.heap_mb': heapMb,
  };
}
