import type { CatalogueStore } from '../store/types.js';

const CODE = /(?<![\d.])\d{1,2}\.\d{6}(?:\.[A-Z][A-Z0-9]*)?(?![\d])/g;
const PORTAL_LINK = /https:\/\/dichvucong\.gov\.vn\/thu-tuc-hanh-chinh\/[0-9a-f-]{36}/g;

/** What the catalogue has, for checking flows against it without reading it once per flow. */
export interface CatalogueRefs {
  codes: ReadonlySet<string>;
  urls: ReadonlySet<string>;
}

/** The catalogue's codes and links, read again only when its revision changed. */
export function catalogueRefs(catalogue: Pick<CatalogueStore, 'all' | 'revision'>): () => Promise<CatalogueRefs> {
  let cached: { revision: number; refs: CatalogueRefs } | null = null;
  return async () => {
    const revision = await catalogue.revision();
    if (cached?.revision !== revision) {
      const all = await catalogue.all();
      cached = { revision, refs: { codes: new Set(all.map((p) => p.code)), urls: new Set(all.map((p) => p.url).filter((u): u is string => !!u)) } };
    }
    return cached.refs;
  };
}

/**
 * Procedure codes and portal procedure links a flow mentions that the catalogue no longer has
 * (deleted or renumbered by a catalogue edit).
 */
export function staleRefs(yaml: string, refs: CatalogueRefs): string[] {
  const out = new Set<string>();
  for (const code of yaml.match(CODE) ?? []) if (!refs.codes.has(code)) out.add(code);
  for (const l of yaml.match(PORTAL_LINK) ?? []) if (!refs.urls.has(l)) out.add(l);
  return [...out].sort();
}

/** Codes a given procedure change would leave stale, by flow id (for the catalogue edit page). */
export function flowsMentioning(code: string, flows: { id: string; yaml: string }[]): string[] {
  const re = new RegExp(`(?<![\\d.])${code.replace(/\./g, '\\.')}(?![\\d])`);
  return flows.filter((f) => re.test(f.yaml)).map((f) => f.id);
}
