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
  list(): CannedReply[];
  add(title: string, text: string): Promise<CannedReply>;
  /** False when there is no reply with that id. */
  update(id: string, title: string, text: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}

/** Canned replies kept as one small versioned JSON document in the settings store (durable like any staff edit). */
export function cannedReplies(settings: SettingsStore): CannedReplies {
  const read = (): CannedReply[] => {
    const raw = settings.get(KEY);
    if (!raw) return [];
    try {
      const parsed = cannedDoc.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data.replies : [];
    } catch {
      return [];
    }
  };
  const write = (replies: CannedReply[]) => settings.set(KEY, JSON.stringify({ version: 1, replies }));
  return {
    list: read,
    async add(title, text) {
      const r = { id: randomUUID(), title, text };
      await write([...read(), r]);
      return r;
    },
    async update(id, title, text) {
      const list = read();
      const i = list.findIndex((r) => r.id === id);
      if (i < 0) return false;
      list[i] = { id, title, text };
      await write(list);
      return true;
    },
    async remove(id) {
      const list = read();
      const keep = list.filter((r) => r.id !== id);
      if (keep.length === list.length) return false;
      await write(keep);
      return true;
    },
  };
}
