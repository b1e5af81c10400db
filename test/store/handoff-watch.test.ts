import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../src/store/index.js';
import type { HandoffChange } from '../../src/store/types.js';

const base = { sessionKey: 'web:a', channel: 'web' as const, chatId: 'a', user: 'p', summary: 's', reason: 'r', createdAt: 1, transcript: [] };

describe('handoff watchers', () => {
  it('hear every open, message, claim and close with the waiting count, until they unsubscribe', async () => {
    const stores = await createMemoryStores();
    const seen: HandoffChange[] = [];
    const stop = stores.handoffs.watch((c) => seen.push(c));
    const h = await stores.handoffs.open(base);
    await stores.handoffs.append(h.id, { from: 'citizen', text: 'xin chào', at: 2 });
    await stores.handoffs.claim(h.id, 'lan', 3);
    await stores.handoffs.close(h.id, 4);
    expect(seen).toEqual([
      { kind: 'opened', id: h.id, waiting: 1 },
      { kind: 'message', id: h.id, waiting: 1 },
      { kind: 'claimed', id: h.id, waiting: 0 },
      { kind: 'closed', id: h.id, waiting: 0 },
    ]);
    stop();
    await stores.handoffs.open(base);
    expect(seen).toHaveLength(4);
    await stores.close();
  });

  it('keep the store working when a watcher throws', async () => {
    const stores = await createMemoryStores();
    stores.handoffs.watch(() => {
      throw new Error('page gone');
    });
    const h = await stores.handoffs.open(base);
    await expect(stores.handoffs.append(h.id, { from: 'citizen', text: 'còn đó không', at: 2 })).resolves.toBeUndefined();
    expect((await stores.handoffs.get(h.id))!.transcript).toHaveLength(1);
    await stores.close();
  });
});
