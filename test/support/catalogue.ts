import { loadSeed } from '../../src/catalogue/service.js';
import { openLowdbStores } from '../../src/store/index.js';

/**
 * Seeds a DATA_DIR with the first `count` shipped procedures and the full alias tables, as a
 * first start does with the whole catalogue. For process tests that are not about search: every
 * later start then builds its index over `count` procedures instead of the full catalogue.
 */
export async function seedSmallCatalogue(dataDir: string, count: number): Promise<void> {
  const seed = loadSeed();
  const stores = await openLowdbStores(dataDir);
  try {
    await stores.catalogue.seed(seed.procedures.slice(0, count), seed.tables);
  } finally {
    await stores.close();
  }
}
