import { describe, expect, it } from 'vitest';
import { loadPersonaFiles, runPersonaFiles } from '../src/conversations-runner.js';

// Typed multi-turn conversations over personas (elderly without diacritics, slang, English,
// change of mind, off-topic, invalid input, secrets, handoff, fees, papers, places, life events),
// run through the real assistant with the shipped flows and catalogue.
const files = loadPersonaFiles(new URL('./conversations/', import.meta.url).pathname);
const results = await runPersonaFiles(files);

describe('typed conversations', () => {
  it('has at least 150 conversations', () => {
    expect(results.length).toBeGreaterThanOrEqual(150);
  });
  for (const r of results) {
    it(`[${r.persona}] ${r.name}`, () => {
      expect(r.failures.map((f) => `turn ${f.turn} "${f.said}": ${f.problems.join('; ')} → ${f.replies.join(' | ').slice(0, 300)}`)).toEqual([]);
    });
  }
});
