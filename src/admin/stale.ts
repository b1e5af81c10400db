import type { CatalogueStore } from '../store/types.js';

const CODE = /(?<![\d.])\d{1,2}\.\d{6}(?:\.[A-Z][A-Z0-9]*)?(?![\d])/g;
const PORTAL_LINK = /https:\/\/dichvucong\.gov\.vn\/thu-tuc-hanh-chinh\/[0-9a-f-]{36}/g;

/**
 * Procedure codes and portal procedure links a flow mentions that the catalogue no longer has
 * (deleted or renumbered by a catalogue edit).
 */
export function staleRefs(yaml: string, catalogue: Pick<CatalogueStore, 'get' | 'all'>): string[] {
  const out = new Set<string>();
  for (const code of yaml.match(CODE) ?? []) if (!catalogue.get(code)) out.add(code);
  const links = yaml.match(PORTAL_LINK) ?? [];
  if (links.length) {
    const known = new Set(catalogue.all().map((p) => p.url));
    for (const l of links) if (!known.has(l)) out.add(l);
  }
  return [...out].sort();
}

/** Codes a given procedure change would leave stale, by flow id (for the catalogue edit page). */
export function flowsMentioning(code: string, flows: { id: string; yaml: string }[]): string[] {
  const re = new RegExp(`(?<![\\d.])${code.replace(/\./g, '\\.')}(?![\\d])`);
  return flows.filter((f) => re.test(f.yaml)).map((f) => f.id);
}
