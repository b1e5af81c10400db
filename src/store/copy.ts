import type { AppEvent } from '../stats/event.js';
import type { Page, PageQuery, Stores } from './types.js';

/** What `store copy` moved, per kind of record. */
export interface CopyCounts {
  procedures: number;
  flows: number;
  flowVersions: number;
  users: number;
  settings: number;
  audit: number;
  handoffs: number;
  sessions: number;
  events: number;
}

/** The target already holds data: copying into it would mix two deployments. */
export class CopyTargetNotEmptyError extends Error {
  constructor(what: string) {
    super(`The target already holds ${what}. Copy into an empty target (a new database or schema, or an empty DATA_DIR); nothing was changed.`);
    this.name = 'CopyTargetNotEmptyError';
  }
}

const PAGE = 500;

/** Every item of a paged list, page by page. */
async function* pages<T>(list: (q: PageQuery) => Promise<Page<T>>): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const page = await list({ limit: PAGE, ...(after ? { after } : {}) });
    yield* page.items;
    if (!page.next) return;
    after = page.next;
  }
}

/**
 * Copies one deployment's data into another (embedded ↔ PostgreSQL/Redis): catalogue and alias
 * tables, flows with every version, draft and switch, users, settings (the pseudonym key, so
 * statistics keep counting the same citizens; webhook and cookie secrets), audit, handoffs with
 * their transcripts, sessions and the stats events. Admin sign-ins and the last-lines
 * transcripts are not copied: staff sign in again. Refuses a target that already has data.
 */
export async function copyStores(
  from: Stores,
  to: Stores,
  events?: { read(): AsyncIterable<AppEvent>; write(batch: AppEvent[]): Promise<void> },
  onProgress?: (what: keyof CopyCounts, n: number) => void,
): Promise<CopyCounts> {
  if ((await to.catalogue.count()) > 0) throw new CopyTargetNotEmptyError(`${await to.catalogue.count()} procedures`);
  if ((await to.flows.list()).length > 0) throw new CopyTargetNotEmptyError('flows');
  if ((await to.users.list()).length > 0) throw new CopyTargetNotEmptyError('user accounts');
  if ((await to.handoffs.list({ limit: 1 })).items.length > 0) throw new CopyTargetNotEmptyError('handoffs');

  const counts: CopyCounts = { procedures: 0, flows: 0, flowVersions: 0, users: 0, settings: 0, audit: 0, handoffs: 0, sessions: 0, events: 0 };
  const done = (what: keyof CopyCounts, n: number) => {
    counts[what] += n;
    onProgress?.(what, counts[what]);
  };

  // Seeding marks the target as seeded, so its first start keeps these records instead of the shipped ones.
  await to.catalogue.seed(await from.catalogue.all(), await from.catalogue.getAliases());
  done('procedures', await to.catalogue.count());

  for (const f of await from.flows.list()) {
    for (const v of [...f.versions].sort((a, b) => a.version - b.version)) {
      await to.flows.publish(f.id, v.yaml, v.publishedBy, v.publishedAt, { ...(v.note ? { note: v.note } : {}), expectedCurrent: v.version - 1 });
      done('flowVersions', 1);
    }
    if (f.draft) await to.flows.saveDraft(f.id, f.draft.yaml, f.draft.updatedBy, f.draft.updatedAt);
    if (f.disabled) await to.flows.setDisabled(f.id, true);
    done('flows', 1);
  }

  for (const u of await from.users.list()) {
    await to.users.put(u);
    done('users', 1);
  }
  for (const [key, value] of Object.entries(await from.settings.all())) {
    await to.settings.set(key, value);
    done('settings', 1);
  }

  // Audit lists newest first: collected, then written oldest first so the order survives.
  const audit = [];
  for await (const e of pages((q) => from.audit.list(q))) audit.push(e);
  for (const e of audit.reverse()) await to.audit.add(e);
  done('audit', audit.length);

  for await (const h of pages((q) => from.handoffs.list(q))) {
    if (await to.handoffs.restore(h)) done('handoffs', 1);
  }
  for await (const { key, session } of pages((q) => from.sessions.list(q))) {
    await to.sessions.set(key, session);
    done('sessions', 1);
  }
  await to.sessions.flush();

  if (events) {
    let batch: AppEvent[] = [];
    for await (const e of events.read()) {
      batch.push(e);
      if (batch.length >= 1000) {
        await events.write(batch);
        done('events', batch.length);
        batch = [];
      }
    }
    if (batch.length) {
      await events.write(batch);
      done('events', batch.length);
    }
  }
  return counts;
}
