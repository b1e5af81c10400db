import type pg from 'pg';
import type { EventRowSource } from '../../stats/aggregate.js';
import type { AppEvent } from '../../stats/event.js';
import { FLUSH_INTERVAL_MS, parseEventLine, sanitiseEvent, utcDay, type EventLog, type WarnLogger } from '../../stats/event-log.js';
import { DELETE_CHUNK, errInfo, type Queryable } from './db.js';

/** Events kept in memory between two flushes; beyond that new events are dropped (and counted). */
const MAX_BUFFERED = 50_000;
/** Rows per INSERT statement of one flush. */
const INSERT_CHUNK = 1000;
const DAY_MS = 86_400_000;
/** First key of the advisory lock that serialises event inserts (second: a hash of the schema). */
const LOCK_CLASS = 0x64766302;

export interface PgEventLogOptions {
  /** Secret key for pseudonymise(); keep it stable or unique-user counts break across days. */
  key: string;
  now: () => number;
  log?: WarnLogger;
}

/** Drops U+0000 from stored strings: jsonb cannot hold it. */
const noNul = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);
function storable(e: AppEvent): AppEvent {
  const out: AppEvent = { ...e, user: noNul(e.user) };
  if (out.text !== undefined) out.text = noNul(out.text);
  if (out.data) out.data = Object.fromEntries(Object.entries(out.data).map(([k, v]) => [noNul(k), typeof v === 'string' ? noNul(v) : v]));
  return out;
}

/**
 * The analytics event log in the `events` table: `emit` sanitises (pseudonymised user, masked
 * text) and buffers; every 200 ms the buffer goes to the database in one multi-row INSERT.
 * Inserts take a transaction advisory lock, so event ids become visible in the order they were
 * assigned and `pgEventSource` can continue after the last id it read without skipping a batch
 * another instance committed late. Nothing here rejects: a failed write is logged and dropped.
 */
export function createPgEventLog(pool: pg.Pool, opts: PgEventLogOptions): EventLog {
  const { key, now, log } = opts;
  let buffer: AppEvent[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Batches are chained so they reach the table in emit order.
  let chain: Promise<void> = Promise.resolve();

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
      if (buffer.length >= MAX_BUFFERED) {
        dropped++;
        return;
      }
      const at = Number.isFinite(e.at) ? e.at : now();
      buffer.push(storable(sanitiseEvent({ ...e, at }, key)));
      if (!timer) {
        timer = setTimeout(() => void flush(), FLUSH_INTERVAL_MS);
        timer.unref();
      }
    } catch (err) {
      warn({ err: errInfo(err), type: e?.type }, 'event log: emit failed');
    }
  }

  async function writeBatch(batch: AppEvent[], lost: number): Promise<void> {
    if (lost > 0) warn({ dropped: lost }, 'event log: buffer full, events dropped');
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    try {
      client = await pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [LOCK_CLASS]);
      await insertEvents(client, batch);
      await client.query('COMMIT');
    } catch (err) {
      await client?.query('ROLLBACK').catch((e: Error) => (broken = e));
      warn({ err: errInfo(err), events: batch.length }, 'event log: write failed, events dropped');
    } finally {
      client?.release(broken);
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length > 0 || dropped > 0) {
      const batch = buffer;
      const lost = dropped;
      buffer = [];
      dropped = 0;
      chain = chain.then(() => writeBatch(batch, lost));
    }
    return chain;
  }

  async function close(): Promise<void> {
    await flush();
    closed = true;
  }

  /** Deletes events of UTC days more than `retentionDays` before today (as the file log drops day files); returns how many rows. */
  async function prune(retentionDays: number): Promise<number> {
    await chain; // do not race a pending insert
    const cutoff = Date.parse(`${utcDay(now() - retentionDays * DAY_MS)}T00:00:00Z`);
    let deleted = 0;
    try {
      for (;;) {
        const { rowCount } = await pool.query('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < $1 LIMIT $2)', [cutoff, DELETE_CHUNK * 10]);
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < DELETE_CHUNK * 10) return deleted;
      }
    } catch (err) {
      warn({ err: errInfo(err), deleted }, 'event log: prune failed');
      return deleted;
    }
  }

  return { emit, flush, close, prune };
}

/**
 * Reads the stored events for the dashboard aggregator, in id order. Rows are validated like
 * lines of the file log (`parseEventLine`): a malformed row is skipped, not fatal.
 */
/**
 * Inserts events exactly as given (already pseudonymised and masked), in chunks. The caller holds
 * the insert lock inside a transaction (the event log), or is the only writer (`store copy`).
 */
export async function insertEvents(c: Queryable, events: AppEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const chunk = events.slice(i, i + INSERT_CHUNK);
    await c.query('INSERT INTO events (at, type, data) SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[])', [
      chunk.map((e) => e.at),
      chunk.map((e) => e.type),
      // jsonb cannot hold U+0000, written by JSON as an escape.
      chunk.map((e) => JSON.stringify(e).replace(/\\u0000/g, '')),
    ]);
  }
}

export function pgEventSource(pool: pg.Pool): EventRowSource {
  return {
    // A page of nothing but malformed rows reads on, so an empty answer always means "no more".
    async readSince(afterId, limit) {
      let after = afterId;
      for (;;) {
        const { rows } = await pool.query<{ id: number; data: string }>('SELECT id, data::text AS data FROM events WHERE id > $1 ORDER BY id LIMIT $2', [after, limit]);
        const events = rows.flatMap((r) => {
          const event = parseEventLine(r.data);
          return event ? [{ id: r.id, event }] : [];
        });
        if (events.length || rows.length < limit) return events;
        after = rows.at(-1)!.id;
      }
    },
    async oldestAt() {
      const { rows } = await pool.query<{ at: number | null }>('SELECT min(at) AS at FROM events');
      return rows[0]?.at ?? null;
    },
  };
}
