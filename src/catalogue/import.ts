import { procedureSchema, type Procedure } from './procedure.js';

export interface ImportError {
  /** 1-based line in the file where the bad row starts (0 = the file as a whole). */
  line: number;
  field: string;
  reason: string;
}

export type ImportResult = { ok: true; rows: Procedure[] } | { ok: false; errors: ImportError[]; rowCount: number };

/** Hard cap so a wrong file cannot exhaust memory. */
const MAX_ROWS = 50_000;

/**
 * Validates a whole import file (JSON array or CSV with a header row). Either every row is
 * valid and all are returned, or nothing is, with every bad row reported (line, field, reason).
 */
export function parseImport(text: string, filename: string, existing?: (code: string) => Procedure | undefined): ImportResult {
  const body = text.replace(/^\uFEFF/, '');
  const isJson = /\.json$/i.test(filename) || /^\s*[[{]/.test(body);
  let records: { line: number; value: unknown }[];
  try {
    records = isJson ? jsonRecords(body) : csvRecords(body);
  } catch (err) {
    return { ok: false, rowCount: 0, errors: [{ line: 0, field: '(file)', reason: (err as Error).message }] };
  }
  if (records.length === 0) return { ok: false, rowCount: 0, errors: [{ line: 0, field: '(file)', reason: 'the file has no rows' }] };
  if (records.length > MAX_ROWS) return { ok: false, rowCount: records.length, errors: [{ line: 0, field: '(file)', reason: `too many rows (${records.length} > ${MAX_ROWS})` }] };

  const errors: ImportError[] = [];
  const rows: Procedure[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of records) {
    const r = procedureSchema.safeParse(keepMissing(normaliseRow(value), existing));
    if (!r.success) {
      for (const issue of r.error.issues) errors.push({ line, field: issue.path.join('.') || '(row)', reason: issue.message });
      continue;
    }
    const first = seen.get(r.data.code);
    if (first !== undefined) {
      errors.push({ line, field: 'code', reason: `duplicate code ${r.data.code} (first at line ${first})` });
      continue;
    }
    seen.set(r.data.code, line);
    rows.push({ ...r.data, name: r.data.name.normalize('NFC'), field: r.data.field.normalize('NFC') });
  }
  return errors.length ? { ok: false, errors, rowCount: records.length } : { ok: true, rows };
}

/** Lists a file may leave out: a row without them keeps what the catalogue has (the fee notes are in `channels`). */
const KEPT_WHEN_MISSING = ['channels', 'documents', 'phrasings'] as const;

function keepMissing(row: unknown, existing: ((code: string) => Procedure | undefined) | undefined): unknown {
  if (!existing || !row || typeof row !== 'object' || Array.isArray(row)) return row;
  const r = row as Record<string, unknown>;
  const current = typeof r.code === 'string' ? existing(r.code.trim()) : undefined;
  if (!current) return row;
  const out = { ...r };
  for (const k of KEPT_WHEN_MISSING) if (out[k] === undefined || out[k] === null || (k === 'phrasings' && Array.isArray(out[k]) && !(out[k] as unknown[]).length)) out[k] = current[k];
  return out;
}

/** CSV cells are strings: map empty cells to null and textual booleans/numbers to values. */
function normaliseRow(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = k === 'online_submission' ? 'onlineSubmission' : k;
    if (typeof v !== 'string') {
      out[key] = v;
      continue;
    }
    const t = v.trim();
    if (t === '') out[key] = null;
    else if (key === 'onlineSubmission') out[key] = /^(true|1|yes|có|co)$/i.test(t) ? true : /^(false|0|no|không|khong)$/i.test(t) ? false : t;
    else if (key === 'boost') out[key] = Number.isFinite(Number(t)) ? Number(t) : t;
    else if (key === 'channels' || key === 'documents') out[key] = parseJsonCell(t);
    else out[key] = t;
  }
  if (out.onlineSubmission === null) delete out.onlineSubmission;
  if (out.boost === null) delete out.boost;
  if (out.channels === null) delete out.channels;
  if (out.documents === null) delete out.documents;
  return out;
}

/** A CSV cell holding a JSON list (channels, documents); left as text when it is not JSON, so the schema names the problem. */
function parseJsonCell(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

/** Parses a JSON array and records the line where each element starts. */
function jsonRecords(text: string): { line: number; value: unknown }[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { procedures?: unknown })?.procedures;
  if (!Array.isArray(list)) throw new Error('expected a JSON array of procedures (or {"procedures": [...]})');
  const starts = elementLines(text);
  return list.map((value, i) => ({ line: starts[i] ?? i + 1, value }));
}

/** Line numbers of the objects that start at depth 1 or 2 (array, or {procedures: [...]}) of a JSON text. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let target = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (c === '[' && target < 0) target = depth + 1;
      if (depth === target && c === '{') lines.push(line);
      depth++;
    } else if (c === ']' || c === '}') depth--;
  }
  return lines;
}

/** RFC 4180 CSV (quotes, doubled quotes, newlines in quotes) with a header row. */
function csvRecords(text: string): { line: number; value: unknown }[] {
  const delimiter = (text.split('\n', 1)[0] ?? '').includes(';') && !(text.split('\n', 1)[0] ?? '').includes(',') ? ';' : ',';
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') inQuotes = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.some((x) => x.trim() !== '')) rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (inQuotes) throw new Error(`unterminated quoted cell starting near line ${rowLine}`);
  cells.push(cell);
  if (cells.some((x) => x.trim() !== '')) rows.push({ line: rowLine, cells });
  const header = rows.shift();
  if (!header) return [];
  const names = header.cells.map((h) => h.trim());
  if (!names.includes('code') || !names.includes('name')) throw new Error(`the header row must name the columns (at least code, name, field, level); found: ${names.join(', ')}`);
  return rows.map(({ line: l, cells: cs }) => {
    const value: Record<string, string> = {};
    names.forEach((n, j) => {
      if (n) value[n] = cs[j] ?? '';
    });
    return { line: l, value };
  });
}

const CSV_COLUMNS = ['code', 'name', 'field', 'level', 'agency', 'fee', 'duration', 'online', 'onlineSubmission', 'url', 'ministry', 'subjects', 'result', 'source', 'boost', 'phrasings', 'channels', 'documents'] as const;

/** Exports procedures as CSV with the same columns the importer reads. */
export function toCsv(list: Procedure[]): string {
  // Lists are one cell: levels separated by ",", citizen phrasings by " | " (the importer splits on "|").
  const esc = (v: unknown, sep: string) => {
    const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(sep) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  // Channels and documents are JSON in their cell (the fee notes must survive a round trip).
  const cell = (p: Procedure, c: (typeof CSV_COLUMNS)[number]) =>
    c === 'phrasings' ? esc(p.phrasings ?? [], ' | ') : c === 'channels' || c === 'documents' ? esc(p[c].length ? JSON.stringify(p[c]) : null, ',') : esc(p[c], ',');
  const row = (p: Procedure) => CSV_COLUMNS.map((c) => cell(p, c)).join(',');
  return [CSV_COLUMNS.join(','), ...list.map(row)].join('\n') + '\n';
}
