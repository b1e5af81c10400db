import { describe, expect, it } from 'vitest';
import { createCatalogueService, loadSeed } from '../../src/catalogue/service.js';
import type { Procedure } from '../../src/catalogue/procedure.js';
import { createMemoryStores } from '../../src/store/index.js';

const seed = loadSeed();

describe('catalogue service', () => {
  it('seeds phrasings and the lexicon, and builds the index before it returns', async () => {
    const stores = await createMemoryStores();
    const service = await createCatalogueService(stores.catalogue, { settings: stores.settings });
    expect((await stores.catalogue.getAliases()).lexicon?.length).toBeGreaterThanOrEqual(600);
    expect((await stores.catalogue.all()).filter((p) => p.phrasings.length >= 4).length).toBeGreaterThanOrEqual(800);
    // The first search needs no build of its own.
    const t = performance.now();
    expect(service.searcher().search('làm sổ đỏ')[0]).toBeDefined();
    expect(performance.now() - t).toBeLessThan(200);
  });

  it('answers with the previous index while a staff edit is being indexed, then with the new one', async () => {
    const stores = await createMemoryStores();
    const service = await createCatalogueService(stores.catalogue, { settings: stores.settings });
    const before = service.searcher();
    const p: Procedure = { ...(await stores.catalogue.get('1.001193'))!, code: '9.999002', name: 'Cấp giấy phép nuôi ong mật lấy sáp', phrasings: ['xin phép nuôi ong'] };
    await stores.catalogue.upsert(p);
    const rebuilt = service.refresh();
    // While the rebuild runs, chats are answered from the old index (no stall, no half-built index).
    expect(service.searcher()).toBe(before);
    expect(service.searcher().search('nuôi ong mật lấy sáp').some((h) => h.procedure.code === '9.999002')).toBe(false);
    await rebuilt;
    expect(service.searcher()).not.toBe(before);
    expect(service.searcher().search('nuôi ong mật lấy sáp')[0]?.procedure.code).toBe('9.999002');
  });

  it('gives a DATA_DIR seeded before phrasings existed the seed phrasings and lexicon, keeping staff edits', async () => {
    const stores = await createMemoryStores();
    const old = seed.procedures.map((p) => ({ ...p, phrasings: [] as string[] }));
    old[0] = { ...old[0]!, fee: 'sửa bởi cán bộ' };
    await stores.catalogue.seed(old, { aliases: seed.tables.aliases, english: seed.tables.english });
    expect((await stores.catalogue.getAliases()).lexicon).toBeUndefined();
    await createCatalogueService(stores.catalogue, { settings: stores.settings });
    expect((await stores.catalogue.getAliases()).lexicon?.length).toBe(seed.tables.lexicon?.length);
    expect((await stores.catalogue.get(old[0]!.code))?.fee).toBe('sửa bởi cán bộ');
    const withPhrasings = seed.procedures.find((p) => p.phrasings.length)!;
    expect((await stores.catalogue.get(withPhrasings.code))?.phrasings).toEqual(withPhrasings.phrasings);
  });

  it('gives a DATA_DIR seeded before channels were kept the fee notes and documents, keeping staff edits', async () => {
    const stores = await createMemoryStores();
    const old: Procedure[] = seed.procedures.map((p) => ({ ...p, channels: [], documents: [] }));
    const edited = old.findIndex((p) => p.code === '1.001193');
    old[edited] = { ...old[edited]!, documents: [{ name: 'Tờ khai do cán bộ sửa', quantity: '1 bản chính' }] };
    await stores.catalogue.seed(old, seed.tables);
    await createCatalogueService(stores.catalogue, { settings: stores.settings });
    // 3.000347: the note with the real fee (135.000 đồng) is back, so the card no longer says "Miễn phí".
    expect((await stores.catalogue.get('3.000347'))?.channels.some((c) => c.note?.includes('135.000'))).toBe(true);
    expect((await stores.catalogue.get('1.001193'))?.documents).toEqual([{ name: 'Tờ khai do cán bộ sửa', quantity: '1 bản chính' }]);
  });

  it('keeps what citizens pick as a bounded prior across restarts', async () => {
    const stores = await createMemoryStores();
    const service = await createCatalogueService(stores.catalogue, { settings: stores.settings });
    for (let i = 0; i < 30; i++) service.recordPick('1.000593');
    service.recordPick('0.000000'); // unknown codes are ignored
    await new Promise((r) => setTimeout(r, 1100));
    const saved = JSON.parse(await stores.settings.get('search.picks') ?? '{}') as Record<string, number>;
    expect(saved).toEqual({ '1.000593': 30 });
    const again = await createCatalogueService(stores.catalogue, { settings: stores.settings });
    const score = (s: typeof service) => s.searcher().search('đăng ký kết hôn', { limit: 5 }).find((h) => h.procedure.code === '1.000593')?.score ?? 0;
    const fresh = await createCatalogueService((await createMemoryStores()).catalogue);
    expect(score(again)).toBeGreaterThan(score(fresh));
  });
});

describe('staff edits while others keep arriving', () => {
  it('acknowledges each edit once it is indexed, even though the rebuilds never settle', async () => {
    const stores = await createMemoryStores();
    const service = await createCatalogueService(stores.catalogue, { settings: stores.settings });
    const base = (await stores.catalogue.get('1.001193'))!;
    let n = 0;
    const edit = async () => {
      await stores.catalogue.upsert({ ...base, fee: `phí ${++n}` });
      return service.refresh();
    };
    let stop = false;
    // An edit every 20 ms: a rebuild always has another one waiting behind it.
    const stream = (async () => {
      while (!stop) {
        void edit();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const first = edit();
    const t = Date.now();
    await first;
    const waited = Date.now() - t;
    stop = true;
    await stream;
    expect(waited).toBeLessThan(15_000);
    expect(service.searcher().get('1.001193')?.fee).toMatch(/^phí \d+$/);
  }, 30_000);
});
