import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AliasTables, CatalogueStore, KeyValues } from './ports.js';
import { aliasEntrySchema } from './aliases.js';
import { lexiconConceptSchema } from './lexicon.js';
import { procedureSchema, type Procedure } from './procedure.js';
import { buildIndex, buildIndexAsync } from './search/index.js';
import { PRIOR } from './search/weights.js';
import { createSearcherFromIndex, type FullSearcher } from './searcher.js';
import type { Searcher } from './types.js';

/** Shipped seed data (data/ at the repository root). */
export const SEED_DIR = new URL('../../data/', import.meta.url);

/** Reads data/procedures.json (with citizen phrasings), aliases, English terms and the concept lexicon. */
export function loadSeed(dir: URL | string = SEED_DIR): { procedures: Procedure[]; tables: AliasTables } {
  const base = typeof dir === 'string' ? new URL(`file://${dir.endsWith('/') ? dir : dir + '/'}`) : dir;
  const read = (name: string) => JSON.parse(readFileSync(new URL(name, base), 'utf8')) as unknown;
  const procedures = z.array(procedureSchema).parse(read('procedures.json'));
  const aliases = z.object({ aliases: z.array(aliasEntrySchema) }).parse(read('aliases.json')).aliases;
  const english = z.object({ english: z.array(aliasEntrySchema) }).parse(read('en-terms.json')).english;
  const lexicon = existsSync(new URL('lexicon.json', base)) ? z.object({ concepts: z.array(lexiconConceptSchema) }).parse(read('lexicon.json')).concepts : [];
  return { procedures, tables: { aliases, english, lexicon } };
}

export interface CatalogueService {
  /** The current searcher. During a rebuild it is the previous one: a chat is never held up. */
  searcher(): Searcher;
  /** Rebuilds in the background after a staff edit; resolves once the new index answers. */
  refresh(): Promise<void>;
  /** A citizen picked this procedure after a search: feeds the bounded prior. */
  recordPick(code: string): void;
}

const PICKS_KEY = 'search.picks';
const MAX_PICKED_CODES = 5000;

/**
 * Seeds the store on first start, builds the index before the server says it is ready, then keeps
 * the searcher in step with staff edits by rebuilding in slices off the hot path.
 */
export async function createCatalogueService(
  store: CatalogueStore,
  opts: { seedDir?: URL | string; settings?: KeyValues; revisionCheckMs?: number; now?: () => number } = {},
): Promise<CatalogueService> {
  const { revisionCheckMs = 1000, now = Date.now } = opts;
  // The catalogue as read for the checks below, when they changed nothing (a second copy is not needed).
  let unchanged: { revision: number; all: Procedure[] } | undefined;
  if (!(await store.isSeeded())) {
    const seed = loadSeed(opts.seedDir);
    await store.seed(seed.procedures, seed.tables);
  } else if ((await store.getAliases()).lexicon === undefined) {
    await upgradeFromSeed(store, loadSeed(opts.seedDir));
  } else {
    const revision = await store.revision();
    const all = await store.all();
    if (all.length && all.every((p) => !p.channels.length)) await addChannelsFromSeed(store, all, loadSeed(opts.seedDir).procedures);
    else unchanged = { revision, all };
  }
  const picks = new Map<string, number>();
  try {
    for (const [code, n] of Object.entries(JSON.parse((await opts.settings?.get(PICKS_KEY)) ?? '{}') as Record<string, number>)) if (Number.isFinite(n) && n > 0) picks.set(code, n);
  } catch {
    // A damaged picks record only loses the learned prior.
  }
  const prior = new Map<string, number>();
  const setPrior = (code: string, n: number) => prior.set(code, (PRIOR.max * n) / (n + PRIOR.halfAt));
  for (const [code, n] of picks) setPrior(code, n);

  // The revision is read before the data: an edit in between only causes one more rebuild.
  let built = await store.revision();
  const initial = unchanged?.revision === built ? unchanged.all : await store.all();
  let current: FullSearcher = createSearcherFromIndex(buildIndex(initial, await store.getAliases()), { prior });
  warmUp(current);
  let running: Promise<void> | null = null;
  let again = false;
  // A refresh() waits for an index that holds the catalogue as it was when it was asked for, not
  // for the rebuilds to settle: under a steady stream of staff edits they never would, and every
  // edit would wait for ever for its acknowledgement.
  const waiters: { revision: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  const settle = (err?: unknown) => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (err !== undefined) w.reject(err);
      else if (w.revision <= built) w.resolve();
      else continue;
      waiters.splice(i, 1);
    }
  };

  const rebuild = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        for (;;) {
          again = false;
          const revision = await store.revision();
          const index = await buildIndexAsync(await store.all(), await store.getAliases());
          current = createSearcherFromIndex(index, { prior });
          built = revision;
          settle();
          const latest = await store.revision();
          // Checked and cleared in one synchronous step: a refresh() asked for after this point
          // starts a new rebuild instead of waiting on one that has already decided to stop.
          if (!again && built === latest) {
            running = null;
            return;
          }
        }
      } catch (err) {
        running = null;
        settle(err);
        throw err;
      }
    })();
    return running;
  };

  let checkedAt = now();
  let saving = false;
  const savePicks = () => {
    if (saving || !opts.settings) return;
    saving = true;
    setTimeout(() => {
      saving = false;
      void opts.settings?.set(PICKS_KEY, JSON.stringify(Object.fromEntries(picks))).catch(() => undefined);
    }, 1000).unref();
  };

  return {
    searcher: () => {
      // The chat path never reads the catalogue: at most once per interval it asks for the
      // revision (an edit made elsewhere, e.g. the CLI) and rebuilds in the background.
      const t = now();
      if (t - checkedAt >= revisionCheckMs && !running) {
        checkedAt = t;
        void store
          .revision()
          .then((r) => {
            if (r !== built && !running) return rebuild();
          })
          .catch(() => undefined);
      }
      return current;
    },
    async refresh() {
      const wanted = await store.revision();
      if (wanted <= built) return;
      const indexed = new Promise<void>((resolve, reject) => waiters.push({ revision: wanted, resolve, reject }));
      // A failed rebuild rejects `indexed`.
      rebuild().catch(() => undefined);
      return indexed;
    },
    recordPick(code) {
      if (!current.get(code)) return;
      if (!picks.has(code) && picks.size >= MAX_PICKED_CODES) return;
      const n = (picks.get(code) ?? 0) + 1;
      picks.set(code, n);
      setPrior(code, n);
      savePicks();
    },
  };
}

/**
 * What citizens type, taking the search through its main paths (diacritics or none, short forms,
 * typos, English, a procedure code, a question that makes it ask back), so the first chats after
 * a start do not pay for compiling them.
 */
const WARM_UP = [
  'làm lại căn cước',
  'lam lai cccd',
  'đăng ký khai sinh cho con',
  'dang ky ket hon voi nguoi nuoc ngoai',
  'cấp đổi giấy phép lái xe bị mất',
  'gplx',
  'đăng kí thường trú',
  'xin giấy phép xây dựng nhà ở',
  'thành lập công ty tnhh',
  'lệ phí làm hộ chiếu bao nhiêu',
  'cần giấy tờ gì để sang tên xe máy',
  'nộp hồ sơ ở đâu',
  'I need a birth certificate',
  'how to renew my passport',
  '1.001193',
  'xin chào',
];

/** Runs the warm-up queries: answers are thrown away, nothing is recorded. */
function warmUp(searcher: Searcher): void {
  for (const q of WARM_UP) searcher.ask(q, { limit: 3 });
}

/** A DATA_DIR seeded before phrasings and the lexicon existed gets them once, keeping staff edits. */
async function upgradeFromSeed(store: CatalogueStore, seed: { procedures: Procedure[]; tables: AliasTables }): Promise<void> {
  const byCode = new Map(seed.procedures.map((p) => [p.code, p]));
  const upgraded: Procedure[] = [];
  for (const p of await store.all()) {
    const from = byCode.get(p.code);
    const phrasings = p.phrasings?.length ? p.phrasings : (from?.phrasings ?? []);
    upgraded.push({ ...p, phrasings, ...channelsOf(p, from) });
  }
  if (upgraded.length) await store.importAll(upgraded, 'merge');
  await store.setAliases({ ...(await store.getAliases()), lexicon: seed.tables.lexicon ?? [] });
}

/**
 * A DATA_DIR seeded before the catalogue kept the portal's channels (fees in their notes) and
 * documents gets them once; a procedure staff gave its own channels or documents keeps them.
 */
async function addChannelsFromSeed(store: CatalogueStore, all: Procedure[], seed: Procedure[]): Promise<void> {
  const byCode = new Map(seed.map((p) => [p.code, p]));
  const upgraded = all.map((p) => ({ ...p, ...channelsOf(p, byCode.get(p.code)) }));
  await store.importAll(upgraded, 'merge');
}

function channelsOf(p: Procedure, from: Procedure | undefined): Pick<Procedure, 'channels' | 'documents'> {
  return { channels: p.channels.length ? p.channels : (from?.channels ?? []), documents: p.documents.length ? p.documents : (from?.documents ?? []) };
}
