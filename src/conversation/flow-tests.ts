import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { fold } from '../text/vi/fold.js';
import type { Searcher } from '../catalogue/types.js';
import type { Config } from '../config.js';
import type { Reply } from '../core/message.js';
import { createRouter } from './router.js';
import { sessionKey } from '../core/message.js';
import { createLogger } from '../log.js';
import { createMemoryStores } from '../store/memory.js';
import { createFlowRegistry } from '../flow/registry.js';

/**
 * Conversation tests as data (flows/tests/<flow-id>.yaml): what the citizen says and what must
 * come back. The same runner serves `npm test` and the admin's publish check.
 */
export const conversationTestSchema = z.object({
  flow: z.string(),
  lang: z.enum(['vi', 'en']).default('vi'),
  conversations: z.array(
    z.object({
      name: z.string(),
      turns: z.array(
        z.object({
          say: z.string(),
          contains: z.union([z.string(), z.array(z.string())]).optional().describe('Text the replies must contain (diacritics-insensitive).'),
          options: z.array(z.string()).optional().describe('Option labels that must be offered.'),
          flow: z.string().nullable().optional(),
          step: z.string().nullable().optional(),
        }),
      ),
    }),
  ),
});
export type ConversationTest = z.infer<typeof conversationTestSchema>;

export interface TurnFailure {
  conversation: string;
  turn: number;
  said: string;
  problem: string;
  replies: string[];
}

export interface ConversationReport {
  flow: string;
  passed: number;
  failed: TurnFailure[];
}

const norm = (s: string) => fold(s);

/**
 * Runs one test file against the given flows (yaml texts by id; a draft replaces its flow's
 * current version), with this deployment's settings (office hours, profile) and a fixed clock
 * inside office hours so replies are stable.
 */
export async function runConversationTests(test: ConversationTest, flowsYaml: Record<string, string>, searcher: Searcher, config: Config): Promise<ConversationReport> {
  const report: ConversationReport = { flow: test.flow, passed: 0, failed: [] };
  const log = createLogger('silent');
  for (const conv of test.conversations) {
    const stores = await createMemoryStores();
    for (const [id, yaml] of Object.entries(flowsYaml)) await stores.flows.publish(id, yaml, 'test', 0);
    const flows = await createFlowRegistry(stores.flows, log);
    // Tuesday 2026-11-24 09:00 Vietnam time.
    const now = Date.UTC(2026, 10, 24, 2, 0, 0);
    const router = createRouter({ flows, searcher: () => searcher, sessions: stores.sessions, handoffs: stores.handoffs, events: { emit: () => undefined }, now: () => now, config, log, defaultLang: test.lang });
    for (const [i, turn] of conv.turns.entries()) {
      const replies: Reply[] = await router.handle({ channel: 'web', chatId: 'test', userId: 'test', messageId: String(i), kind: 'text', text: turn.say, at: now });
      const session = await stores.sessions.get(sessionKey('web', 'test'));
      const all = replies.map((r) => r.text);
      const text = norm(replies.map((r) => `${r.text} ${r.link?.label ?? ''}`).join('\n'));
      const labels = replies.flatMap((r) => r.options ?? []).map((o) => norm(o.label));
      const problems: string[] = [];
      for (const c of turn.contains === undefined ? [] : Array.isArray(turn.contains) ? turn.contains : [turn.contains]) if (!text.includes(norm(c))) problems.push(`reply does not contain "${c}"`);
      for (const o of turn.options ?? []) if (!labels.includes(norm(o))) problems.push(`option "${o}" not offered`);
      if (turn.flow !== undefined && (session?.flowId ?? null) !== turn.flow) problems.push(`flow is ${session?.flowId ?? null}, expected ${turn.flow}`);
      if (turn.step !== undefined && (session?.stepId ?? null) !== turn.step) problems.push(`step is ${session?.stepId ?? null}, expected ${turn.step}`);
      if (problems.length) report.failed.push({ conversation: conv.name, turn: i + 1, said: turn.say, problem: problems.join('; '), replies: all });
      else report.passed++;
    }
  }
  return report;
}

/** Reads every flows/tests/*.yaml. */
export function loadConversationTests(dir: string): ConversationTest[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    return [];
  }
  return files.map((f) => conversationTestSchema.parse(parse(readFileSync(join(dir, f), 'utf8'))));
}
