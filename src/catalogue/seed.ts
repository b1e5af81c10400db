import { readFileSync, writeFileSync } from 'node:fs';
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
}

/**
 * Converts the national-portal export (shared/data/procedures.json) into the project's
 * seed catalogue (data/procedures.json). Keeps every procedure; fails on any bad row.
 */
export function buildSeed(sourcePath: string, outPath: string): number {
  const rows = JSON.parse(readFileSync(sourcePath, 'utf8')) as SourceRow[];
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
    });
    if (!parsed.success) throw new Error(`row ${i + 1} (${r.code}): ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return parsed.data;
  });
  writeFileSync(outPath, '[\n' + out.map((p) => JSON.stringify(p)).join(',\n') + '\n]\n');
  return out.length;
}
