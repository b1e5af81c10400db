import { parse } from 'csv-parse/sync';
import { guardCell, unguardCell, writeCsv } from '../core/csv.js';
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
    return { ok: false, rowCount: 0, errors: [{ line: 0, field: '(tệp)', reason: (err as Error).message }] };
  }
  if (records.length === 0) return { ok: false, rowCount: 0, errors: [{ line: 0, field: '(tệp)', reason: 'tệp không có dòng thủ tục nào' }] };
  if (records.length > MAX_ROWS) return { ok: false, rowCount: records.length, errors: [{ line: 0, field: '(tệp)', reason: `quá nhiều dòng (${records.length} > ${MAX_ROWS})` }] };

  const errors: ImportError[] = [];
  const rows: Procedure[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of records) {
    const present = new Set(value && typeof value === 'object' ? Object.keys(value).map(columnName) : []);
    const r = procedureSchema.safeParse(keepMissing(normaliseRow(value), present, existing));
    if (!r.success) {
      for (const issue of r.error.issues) errors.push({ line, field: issue.path.join('.') || '(dòng)', reason: issue.message });
      continue;
    }
    const first = seen.get(r.data.code);
    if (first !== undefined) {
      errors.push({ line, field: 'code', reason: `mã ${r.data.code} bị trùng (đã có ở dòng ${first})` });
      continue;
    }
    seen.set(r.data.code, line);
    rows.push({ ...r.data, name: r.data.name.normalize('NFC'), field: r.data.field.normalize('NFC') });
  }
  return errors.length ? { ok: false, errors, rowCount: records.length } : { ok: true, rows };
}

/**
 * A field the file does not carry (a column missing from an older export or a staff spreadsheet,
 * a key missing from a JSON object) keeps what the catalogue has: the fee notes in `channels`,
 * `ministry`, `result`, the citizen phrasings. A column that is there but empty clears the field.
 */
function keepMissing(row: unknown, present: ReadonlySet<string>, existing: ((code: string) => Procedure | undefined) | undefined): unknown {
  if (!existing || !row || typeof row !== 'object' || Array.isArray(row)) return row;
  const r = row as Record<string, unknown>;
  const current = typeof r.code === 'string' ? existing(r.code.trim()) : undefined;
  if (!current) return row;
  const out = { ...r };
  for (const k of CSV_COLUMNS) if (!present.has(k)) out[k] = current[k];
  return out;
}

/** Header names older files used for a field. */
const columnName = (k: string) => (k === 'online_submission' ? 'onlineSubmission' : k);

/** CSV cells are strings: decode them by the kind of their schema field (empty = null, the schema's default). */
function normaliseRow(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = columnName(k);
    if (typeof v !== 'string') {
      out[key] = v;
      continue;
    }
    const kind = COLUMN_KINDS.get(key) ?? 'text';
    const t = v.trim();
    if (t === '') {
      // Text fields become null; lists, flags and numbers take the schema's default.
      if (kind === 'text') out[key] = null;
    } else if (kind === 'boolean') out[key] = /^(true|1|yes|có|co)$/i.test(t) ? true : /^(false|0|no|không|khong)$/i.test(t) ? false : t;
    else if (kind === 'number') out[key] = Number.isFinite(Number(t)) ? Number(t) : t;
    else if (kind === 'json') out[key] = /^[[{]/.test(t) ? parseJsonCell(t) : t; // "tinh,xa" or "a | b" from older exports: the schema splits them
    else out[key] = v;
  }
  return out;
}

/** A CSV cell holding JSON (lists, channels, documents); left as text when it is not JSON, so the schema names the problem. */
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
    throw new Error(`tệp JSON không hợp lệ: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { procedures?: unknown })?.procedures;
  if (!Array.isArray(list)) throw new Error('tệp JSON cần là một mảng thủ tục (hoặc {"procedures": [...]})');
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

/** CSV with a header row (csv-parse): `,` or, as Excel writes in some locales, `;`. Cells lose the formula guard. */
function csvRecords(text: string): { line: number; value: unknown }[] {
  const headerLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, delimiter, columns: (h: string[]) => h.map((x) => x.trim()), info: true, skip_empty_lines: true, relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'] });
  } catch (err) {
    throw new Error(`tệp CSV không hợp lệ: ${(err as Error).message}`);
  }
  const names = rows.length ? Object.keys(rows[0]!.record) : headerLine.split(delimiter).map((h) => h.trim());
  if (!names.includes('code') || !names.includes('name')) throw new Error(`dòng đầu phải là tên các cột (ít nhất code, name, field, level); tệp có: ${names.join(', ')}`);
  // csv-parse reports the line where a record ends and counts a CRLF inside a quoted cell as two lines.
  let extra = 0;
  return rows.map(({ record, info }) => {
    const value: Record<string, string> = {};
    let breaks = 0;
    for (const [k, v] of Object.entries(record)) {
      if (!k) continue;
      value[k] = unguardCell(v);
      breaks += v.match(/\r\n|\r|\n/g)?.length ?? 0;
      extra += v.match(/\r\n/g)?.length ?? 0;
    }
    return { line: info.lines - breaks - extra, value };
  });
}

type ColumnKind = 'text' | 'number' | 'boolean' | 'json';

/** The zod definition fields this module reads to classify a schema field. */
interface Def {
  type: string;
  innerType?: { def: Def };
  in?: { def: Def };
  out?: { def: Def };
}

/** How a schema field is written in a CSV cell, from its zod type (wrappers and transforms looked through). */
function kindOf(def: Def): ColumnKind {
  switch (def.type) {
    case 'array':
    case 'object':
    case 'record':
    case 'tuple':
      return 'json';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return def.innerType ? kindOf(def.innerType.def) : 'text';
    case 'pipe':
      // z.preprocess(fn, T) is a pipe into T; T.transform(fn) is a pipe out of T.
      return def.out && def.out.def.type !== 'transform' ? kindOf(def.out.def) : def.in ? kindOf(def.in.def) : 'text';
    default:
      return 'text';
  }
}

/** The CSV columns: every field of the procedure schema, in its order. */
export const CSV_COLUMNS = Object.keys(procedureSchema.shape) as (keyof Procedure)[];
const COLUMN_KINDS = new Map<string, ColumnKind>(CSV_COLUMNS.map((k) => [k, kindOf((procedureSchema.shape[k] as unknown as { def: Def }).def)]));

/** One procedure field as CSV cell text: lists and objects as JSON, text with the formula guard. */
function cellText(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return '';
  return guardCell(kind === 'json' ? JSON.stringify(value) : String(value));
}

/**
 * Exports procedures as CSV with a column for every schema field (the importer reads the same
 * columns back, so export → import changes nothing). CRLF line ends for spreadsheet apps.
 */
export function toCsv(list: Procedure[]): string {
  return writeCsv(
    CSV_COLUMNS,
    list.map((p) => CSV_COLUMNS.map((k) => cellText(p[k], COLUMN_KINDS.get(k)!))),
  );
}
