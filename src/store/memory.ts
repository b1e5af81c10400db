import { memoryDocs } from './doc.js';
import { createStores } from './stores.js';
import type { Stores } from './types.js';

/** Stores that live only in memory (tests, `npm run chat` without --data). */
export function createMemoryStores(): Promise<Stores> {
  return createStores(memoryDocs());
}
