import { Low, Memory, type Adapter } from 'lowdb';
import { DurableJsonFile } from './file-adapter.js';

/**
 * One persisted JSON document (one concern: catalogue, flows, sessions, …) on lowdb.
 * `save()` serialises writes and coalesces callers that arrive while a write is queued;
 * `schedule()` batches frequent changes (sessions) into one write per interval.
 */
export interface Doc<T> {
  data: T;
  save(): Promise<void>;
  schedule(): void;
  flush(): Promise<void>;
  /** Called right before each write, to refresh `data` from a faster in-memory structure. */
  beforeWrite?: () => void;
}

export type DocOpener = <T extends { version: number }>(name: string, defaults: () => T, migrate?: (raw: { version?: unknown }) => T) => Promise<Doc<T>>;

async function openDoc<T extends { version: number }>(
  adapter: Adapter<T>,
  name: string,
  defaults: () => T,
  batchMs: number,
  migrate?: (raw: { version?: unknown }) => T,
): Promise<Doc<T>> {
  const low = new Low<T>(adapter, defaults());
  await low.read();
  const fresh = defaults();
  if (low.data.version !== fresh.version) {
    if (!migrate) throw new Error(`${name}: stored version ${String(low.data.version)} is not supported (expected ${fresh.version}).`);
    low.data = migrate(low.data);
  }
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  let doc: Doc<T>;
  const save = (): Promise<void> => {
    if (queued) return queued;
    const p = tail.then(async () => {
      queued = null;
      doc.beforeWrite?.();
      await low.write();
    });
    queued = p;
    tail = p.catch(() => undefined);
    return p;
  };

  doc = {
    get data() {
      return low.data;
    },
    set data(v: T) {
      low.data = v;
    },
    save,
    schedule() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        save().catch(() => undefined);
      }, batchMs);
      timer.unref();
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
        await save();
      }
      await tail;
    },
  };
  return doc;
}

/** Opens documents as `<dir>/<name>.json` through the fsyncing adapter. */
export function fileDocs(dir: string, batchMs = 1000): DocOpener {
  return (name, defaults, migrate) => openDoc(new DurableJsonFile(`${dir}/${name}.json`), name, defaults, batchMs, migrate);
}

/** In-memory documents for tests (lowdb's Memory adapter). */
export function memoryDocs(): DocOpener {
  return (name, defaults, migrate) => openDoc(new Memory(), name, defaults, 5, migrate);
}
