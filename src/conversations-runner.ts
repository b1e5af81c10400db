import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { createAssistant } from './assistant.js';
import { fold } from './text/vi/fold.js';
import { testConfig } from './config.js';
import { sessionKey, type Lang } from './core/message.js';
import { createLogger } from './log.js';
import { createMemoryStores } from './store/memory.js';

/**
 * Typed conversations as data (test/conversations/<persona>.yaml): what a citizen types, turn by
 * turn, and what a correct assistant must answer. Checks compare folded text (no diacritics, any
 * case) against the replies of the turn, their buttons and links.
 */
const strings = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
export const personaFileSchema = z.object({
  persona: z.string(),
  /** Settings of the deployment these conversations run against (e.g. PROVINCE, SUPPORT_HOTLINE). */
  env: z.record(z.string(), z.string()).default({}),
  conversations: z.array(
    z.object({
      name: z.string(),
      lang: z.enum(['vi', 'en']).default('vi'),
      turns: z
        .array(
          z.object({
            say: z.string(),
            contains: strings.optional(),
            any: strings.optional(),
            not: strings.optional(),
            options: strings.optional(),
            flow: z.string().nullable().optional(),
            handoff: z.boolean().optional(),
            silent: z.boolean().optional(),
            link: z.boolean().optional(),
          }),
        )
        .min(1),
    }),
  ),
});
export type PersonaFile = z.infer<typeof personaFileSchema>;

export interface ConversationResult {
  persona: string;
  name: string;
  served: boolean;
  failures: { turn: number; said: string; problems: string[]; replies: string[] }[];
}

export function loadPersonaFiles(dir: string): PersonaFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const r = personaFileSchema.safeParse(parse(readFileSync(join(dir, f), 'utf8')));
      if (!r.success) throw new Error(`${f}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return r.data;
    });
}

/** 2026-11-30 09:00 Vietnam time (a Monday, office hours); each turn 30 s later. */
const START = Date.UTC(2026, 10, 30, 2, 0, 0);

/**
 * Runs persona files through the real assistant (memory stores, shipped flows and catalogue).
 * The catalogue index is built once; each conversation is a new citizen.
 */
export async function runPersonaFiles(files: PersonaFile[], env: Record<string, string> = {}): Promise<ConversationResult[]> {
  let now = START;
  const stores = await createMemoryStores();
  const assistants = new Map<string, Awaited<ReturnType<typeof createAssistant>>>();
  const assistantFor = async (lang: Lang, fileEnv: Record<string, string>) => {
    const key = JSON.stringify([lang, fileEnv]);
    let a = assistants.get(key);
    if (!a) {
      const config = { ...testConfig({ ...env, ...fileEnv }), rateLimit: { perMinute: 1_000_000, burst: 1_000_000 } };
      a = await createAssistant({ config, log: createLogger('silent'), stores, now: () => now, defaultLang: lang });
      assistants.set(key, a);
    }
    return a;
  };
  const results: ConversationResult[] = [];
  let n = 0;
  for (const file of files) {
    for (const conv of file.conversations) {
      const assistant = await assistantFor(conv.lang, file.env);
      const user = `c${++n}`;
      const result: ConversationResult = { persona: file.persona, name: conv.name, served: true, failures: [] };
      for (const [i, turn] of conv.turns.entries()) {
        now += 30_000;
        const replies = await assistant.handle({ channel: 'web', chatId: user, userId: user, messageId: String(i), kind: 'text', text: turn.say, at: now });
        const seen = fold(replies.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label), r.link?.label ?? ''].join('\n')).join('\n'));
        const labels = replies.flatMap((r) => r.options ?? []).map((o) => fold(o.label));
        const session = await stores.sessions.get(sessionKey('web', user));
        const problems: string[] = [];
        for (const c of turn.contains ?? []) if (!seen.includes(fold(c))) problems.push(`missing "${c}"`);
        if (turn.any && !turn.any.some((c) => seen.includes(fold(c)))) problems.push(`none of ${JSON.stringify(turn.any)}`);
        // Whole words: "anh/chị" must not be found inside "hành chính".
        const words = ` ${seen.replace(/\s+/g, ' ')} `;
        for (const c of turn.not ?? []) if (fold(c) && words.includes(` ${fold(c)} `)) problems.push(`must not say "${c}"`);
        for (const o of turn.options ?? []) if (!labels.some((l) => l.includes(fold(o)))) problems.push(`no option "${o}"`);
        if (turn.flow !== undefined && (session?.flowId ?? null) !== turn.flow) problems.push(`flow is ${session?.flowId ?? null}, expected ${turn.flow}`);
        const waiting = (await stores.handoffs.openFor(sessionKey('web', user))) !== undefined;
        if (turn.handoff !== undefined && waiting !== turn.handoff) problems.push(`handoff is ${waiting}, expected ${turn.handoff}`);
        if (turn.silent !== undefined && (replies.length === 0) !== turn.silent) problems.push(turn.silent ? 'expected no reply' : 'expected a reply');
        if (turn.link !== undefined && replies.some((r) => r.link) !== turn.link) problems.push(turn.link ? 'expected a link' : 'expected no link');
        if (problems.length) {
          result.served = false;
          result.failures.push({ turn: i + 1, said: turn.say, problems, replies: replies.map((r) => r.text) });
        }
      }
      results.push(result);
    }
  }
  return results;
}
