import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SettingsStore } from '../store/types.js';

/** Settings key of the canned replies document. */
const KEY = 'cannedReplies';

const cannedDoc = z.object({
  version: z.literal(1),
  replies: z.array(z.object({ id: z.string(), title: z.string(), text: z.string() })),
});

/** A reply staff send often ("Giờ làm việc của bộ phận một cửa …"), picked in the reply box. */
export type CannedReply = z.infer<typeof cannedDoc>['replies'][number];

export interface CannedReplies {
  list(): Promise<CannedReply[]>;
  add(title: string, text: string): Promise<CannedReply>;
  /** False when there is no reply with that id. */
  update(id: string, title: string, text: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}

/** Canned replies kept as one small versioned JSON document in the settings store (durable like any staff edit). */
export function cannedReplies(settings: SettingsStore): CannedReplies {
  const read = async (): Promise<CannedReply[]> => {
    const raw = await settings.get(KEY);
    if (!raw) return [];
    try {
      const parsed = cannedDoc.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data.replies : [];
    } catch {
      return [];
    }
  };
  const write = (replies: CannedReply[]) => settings.set(KEY, JSON.stringify({ version: 1, replies }));
  // Changes are read-modify-write of one document: run them one at a time (in this process).
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };
  return {
    list: read,
    add: (title, text) =>
      serial(async () => {
        const r = { id: randomUUID(), title, text };
        await write([...(await read()), r]);
        return r;
      }),
    update: (id, title, text) =>
      serial(async () => {
        const list = await read();
        const i = list.findIndex((r) => r.id === id);
        if (i < 0) return false;
        list[i] = { id, title, text };
        await write(list);
        return true;
      }),
    remove: (id) =>
      serial(async () => {
        const list = await read();
        const keep = list.filter((r) => r.id !== id);
        if (keep.length === list.length) return false;
        await write(keep);
        return true;
      }),
  };
}
