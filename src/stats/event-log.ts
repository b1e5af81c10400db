import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { maskForAnalytics, pseudonymise } from '../core/privacy.js';
import { EVENT_TYPES, type AppEvent, type EventSink } from './event.js';

/**
 * Append-only analytics event log: one JSON line per event in `<dir>/YYYY-MM-DD.jsonl`
 * (UTC date of the event; the dashboard regroups events by Vietnamese day). Personal data never
 * reaches the disk: the user id is replaced by a keyed hash, and ID and phone numbers, dates,
 * e-mail addresses and names in texts are masked before the line is buffered.
 */

export const FLUSH_INTERVAL_MS = 200;
export const MAX_TEXT_CHARS = 500;
/** Lines kept in memory between two flushes; beyond that new events are dropped (and counted). */
const MAX_BUFFERED_LINES = 50_000;
const DAY_MS = 86_400_000;
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export interface EventLogOptions {
  dir: string;
  /** Secret key for pseudonymise(); keep it stable or unique-user counts break across days. */
  key: string;
  now: () => number;
  log?: WarnLogger;
}

export interface EventLog extends EventSink {
  /** Writes everything buffered so far. Never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops accepting events. */
  close(): Promise<void>;
  /** Deletes day files whose date is more than `retentionDays` before today (UTC); returns how many. */
  prune(retentionDays: number): Promise<number>;
}

/** UTC calendar day of an epoch-ms timestamp, as 'YYYY-MM-DD'. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Truncates to `max` UTF-16 units without leaving half a surrogate pair at the end. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** The stored form of an event: pseudonymised user, masked and truncated text, masked string data. */
export function sanitiseEvent(e: AppEvent, key: string): AppEvent {
  const out: AppEvent = { ...e, user: pseudonymise(String(e.user), key) };
  if (e.text !== undefined) out.text = truncate(maskForAnalytics(String(e.text)), MAX_TEXT_CHARS);
  if (e.data) {
    const data: NonNullable<AppEvent['data']> = {};
    for (const [k, v] of Object.entries(e.data)) data[k] = typeof v === 'string' ? truncate(maskForAnalytics(v), MAX_TEXT_CHARS) : v;
    out.data = data;
  }
  return out;
}

export function createEventLog(opts: EventLogOptions): EventLog {
  const { dir, key, now, log } = opts;
  // Pending lines per day file, in emit order.
  let buffer = new Map<string, string[]>();
  let buffered = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Writes are chained so batches reach each file in emit order.
  let chain: Promise<void> = Promise.resolve();
  let dirReady: Promise<unknown> | undefined;

  const warn = (obj: object, msg: string) => {
    try {
      log?.warn(obj, msg);
    } catch {
      // a broken logger must not break the caller
    }
  };

  function emit(e: AppEvent): void {
    try {
      if (closed) return;
      if (buffered >= MAX_BUFFERED_LINES) {
        dropped++;
        return;
      }
      const at = Number.isFinite(e.at) ? e.at : now();
      const line = JSON.stringify(sanitiseEvent({ ...e, at }, key)) + '\n';
      const day = utcDay(at);
      const lines = buffer.get(day);
      if (lines) lines.push(line);
      else buffer.set(day, [line]);
      buffered++;
      if (!timer) {
        timer = setTimeout(() => void flush(), FLUSH_INTERVAL_MS);
        timer.unref();
      }
    } catch (err) {
      warn({ err, type: e?.type }, 'event log: emit failed');
    }
  }

  async function writeBatch(batch: Map<string, string[]>, lost: number): Promise<void> {
    if (lost > 0) warn({ dropped: lost }, 'event log: buffer full, events dropped');
    try {
      dirReady ??= mkdir(dir, { recursive: true });
      await dirReady;
    } catch (err) {
      dirReady = undefined; // retry on the next batch
      warn({ err, dir, lines: [...batch.values()].reduce((n, l) => n + l.length, 0) }, 'event log: cannot create directory');
      return;
    }
    for (const [day, lines] of batch) {
      const file = join(dir, `${day}.jsonl`);
      try {
        await appendFile(file, lines.join(''), 'utf8');
      } catch (err) {
        warn({ err, file, lines: lines.length }, 'event log: write failed, lines dropped');
      }
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffered > 0 || dropped > 0) {
      const batch = buffer;
      const lost = dropped;
      buffer = new Map();
      buffered = 0;
      dropped = 0;
      chain = chain.then(() => writeBatch(batch, lost));
    }
    return chain;
  }

  async function close(): Promise<void> {
    await flush();
    closed = true;
  }

  async function prune(retentionDays: number): Promise<number> {
    await chain; // do not race a pending append
    const cutoff = utcDay(now() - retentionDays * DAY_MS);
    let deleted = 0;
    for (const { day, file } of await listDayFiles(dir)) {
      if (day >= cutoff) continue;
      try {
        await unlink(file);
        deleted++;
      } catch (err) {
        warn({ err, file }, 'event log: prune failed');
      }
    }
    return deleted;
  }

  return { emit, flush, close, prune };
}

/** Day files in `dir`, oldest first. A missing directory has none. */
export async function listDayFiles(dir: string): Promise<{ day: string; file: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: { day: string; file: string }[] = [];
  for (const name of names) {
    const m = DAY_FILE.exec(name);
    if (m) files.push({ day: m[1]!, file: join(dir, name) });
  }
  return files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

/** Parses one stored line; null when it is not a well-formed event (e.g. a line torn by a crash). */
export function parseEventLine(line: string): AppEvent | null {
  if (!line.trim()) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const e = v as Record<string, unknown>;
  if (typeof e.type !== 'string' || !KNOWN_TYPES.has(e.type)) return null;
  if (typeof e.at !== 'number' || !Number.isFinite(e.at)) return null;
  if (typeof e.user !== 'string' || typeof e.channel !== 'string') return null;
  return v as AppEvent;
}

export interface EventStream extends AsyncIterable<AppEvent> {
  /** Malformed (skipped) lines seen so far. */
  readonly skipped: number;
}

/**
 * Streams the stored events of the day files whose date lies in [from, to] (epoch ms, UTC days,
 * both inclusive; omitted bounds are open). Malformed lines are skipped and counted in `skipped`.
 */
export function readEvents(dir: string, range: { from?: number; to?: number } = {}): EventStream {
  const fromDay = range.from === undefined ? undefined : utcDay(range.from);
  const toDay = range.to === undefined ? undefined : utcDay(range.to);
  let skipped = 0;

  async function* iterate(): AsyncGenerator<AppEvent> {
    for (const { day, file } of await listDayFiles(dir)) {
      if ((fromDay && day < fromDay) || (toDay && day > toDay)) continue;
      const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          if (!line) continue;
          const e = parseEventLine(line);
          if (e) yield e;
          else skipped++;
        }
      } catch (err) {
        // A file pruned between listing and reading is simply gone.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      } finally {
        lines.close();
      }
    }
  }

  return {
    get skipped() {
      return skipped;
    },
    [Symbol.asyncIterator]: () => iterate(),
  };
}
