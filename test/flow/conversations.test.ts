import { testConfig } from '../../src/config.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSearcher } from '../../src/catalogue/searcher.js';
import { loadSeed } from '../../src/catalogue/service.js';
import { FLOWS_DIR } from '../../src/flow/index.js';
import { loadConversationTests, runConversationTests } from '../../src/conversation/flow-tests.js';

const seed = loadSeed();
const searcher = createSearcher(seed.procedures, seed.tables);
const flows = Object.fromEntries(
  readdirSync(FLOWS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f.replace(/\.yaml$/, ''), readFileSync(join(FLOWS_DIR, f), 'utf8')]),
);
const tests = loadConversationTests(join(FLOWS_DIR, 'tests'));

describe('conversation tests in flows/tests', () => {
  it('cover every shipped flow', () => {
    expect(tests.map((t) => t.flow).sort()).toEqual(Object.keys(flows).sort());
  });
  for (const t of tests) {
    it(`${t.flow}: every turn gets the expected reply`, async () => {
      const report = await runConversationTests(t, flows, searcher, testConfig());
      expect(report.failed).toEqual([]);
      expect(report.passed).toBeGreaterThan(0);
    });
  }
  it('fail, naming the turn, when a draft breaks a flow', async () => {
    const t = tests.find((x) => x.flow === 'pay-fees')!;
    const broken = flows['pay-fees']!.replace('biên lai', 'hóa đơn giấy');
    const report = await runConversationTests(t, { ...flows, 'pay-fees': broken }, searcher, testConfig());
    expect(report.failed[0]).toMatchObject({ conversation: 'money taken but unpaid', turn: 1, said: 'thanh toan phi' });
    expect(report.failed[0]!.problem).toMatch(/does not contain "biên lai"/);
  });
});
