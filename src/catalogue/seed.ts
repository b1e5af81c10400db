import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { procedureSchema, type Procedure } from './procedure.js';

interface SourceRow {
  code: string;
  name: string;
  field: string | null;
  level: string | null;
  agency: string | null;
  fee: string | null;
  duration: string | null;
  online: 'full' | 'partial' | null;
  online_submission?: boolean;
  url?: string | null;
  ministry?: string | null;
  subjects?: string | null;
  result?: string | null;
  source?: string | null;
  channels?: { channel: string; duration: string | null; fee: string | null; note: string | null }[];
  documents?: { name: string; quantity: string | null }[];
}

/**
 * Converts the national-portal export (shared/data/procedures.json) into the project's
 * seed catalogue (data/procedures.json). Keeps every procedure; fails on any bad row.
 */
export function buildSeed(sourcePath: string, outPath: string): number {
  const rows = JSON.parse(readFileSync(sourcePath, 'utf8')) as SourceRow[];
  // Citizen phrasings are written here, not exported by the portal: a rebuild keeps them.
  const phrasings = new Map<string, string[]>();
  if (existsSync(outPath)) for (const p of JSON.parse(readFileSync(outPath, 'utf8')) as Procedure[]) if (p.phrasings?.length) phrasings.set(p.code, p.phrasings);
  const out: Procedure[] = rows.map((r, i) => {
    const parsed = procedureSchema.safeParse({
      code: r.code,
      name: r.name.normalize('NFC'),
      field: r.field?.normalize('NFC') ?? 'Khác',
      level: r.level ?? 'khac',
      agency: r.agency,
      fee: r.fee,
      duration: r.duration,
      online: r.online,
      onlineSubmission: r.online_submission ?? false,
      url: r.url ?? null,
      ministry: r.ministry,
      subjects: r.subjects,
      result: r.result ? r.result.slice(0, 2000) : null,
      source: r.source,
      phrasings: phrasings.get(r.code) ?? [],
      channels: (r.channels ?? []).map((c) => ({ ...c, note: c.note?.normalize('NFC') ?? null })),
      documents: (r.documents ?? []).filter((d) => d.name?.trim()).map((d) => ({ name: d.name.normalize('NFC').slice(0, 1000), quantity: d.quantity })),
    });
    if (!parsed.success) throw new Error(`row ${i + 1} (${r.code}): ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return parsed.data;
  });
  writeFileSync(outPath, '[\n' + out.map((p) => JSON.stringify(p)).join(',\n') + '\n]\n');
  return out.length;
}
