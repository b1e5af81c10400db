import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fold } from '../text/vi/fold.js';

/**
 * Life events: situations ("vợ tôi mới sinh", "bố tôi mới mất", "mở quán cà phê") that call for
 * several procedures at once. A message that describes the situation gets the bundle; a message
 * that names one procedure ("đăng ký khai sinh", "trích lục khai tử") goes to search instead, so
 * triggers describe situations, never procedure names. Seed: data/life-events.json.
 */

const bilingual = z.object({ vi: z.string().trim().min(1).max(400), en: z.string().trim().min(1).max(400) });
const phrase = z.string().trim().min(2).max(80);

export const lifeEventSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'id: chữ thường, số, gạch nối'),
  title: bilingual,
  /** Phrases that describe the situation; matched as whole words after folding. */
  triggers: z.object({ vi: z.array(phrase).min(1), en: z.array(phrase) }),
  /**
   * Words that, right after a trigger in the same clause, mean something else: "bố tôi mất" is a
   * death, "bố tôi mất ví" or "bố tôi mất căn cước" a loss; "vợ tôi sinh" a birth, "vợ tôi sinh
   * năm 1990" not. Folded like the message; an entry may be several words ("can cuoc").
   */
  unlessNext: z.array(z.string().trim().min(1).max(40)).optional(),
  intro: bilingual,
  procedures: z
    .array(z.object({ code: z.string().regex(/^\d{1,2}\.\d{6}$/, 'mã thủ tục dạng 1.001193'), why: bilingual }))
    .min(1)
    .max(8),
});

export const lifeEventsSchema = z
  .object({ version: z.literal(1), events: z.array(lifeEventSchema) })
  .superRefine((d, ctx) => {
    const owner = new Map<string, string>();
    const ids = new Set<string>();
    d.events.forEach((e, i) => {
      if (ids.has(e.id)) ctx.addIssue({ code: 'custom', path: ['events', i, 'id'], message: `trùng id ${e.id}` });
      ids.add(e.id);
      for (const t of [...e.triggers.vi, ...e.triggers.en]) {
        const key = fold(t);
        const other = owner.get(key);
        if (other !== undefined && other !== e.id)
          ctx.addIssue({ code: 'custom', path: ['events', i, 'triggers'], message: `"${t}" là từ khóa của cả ${other} và ${e.id}` });
        owner.set(key, e.id);
      }
    });
  });

export type LifeEvent = z.output<typeof lifeEventSchema>;

const DEFAULT_PATH = new URL('../../data/life-events.json', import.meta.url);

/** Reads and validates data/life-events.json (or `path`). */
export function loadLifeEvents(path: URL | string = DEFAULT_PATH): LifeEvent[] {
  return lifeEventsSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).events;
}

interface Trigger {
  words: string[];
  event: LifeEvent;
  unlessNext: string[][];
}

const compiled = new WeakMap<readonly LifeEvent[], Trigger[]>();

function triggersOf(events: readonly LifeEvent[]): Trigger[] {
  const hit = compiled.get(events);
  if (hit) return hit;
  const out: Trigger[] = [];
  for (const event of events) {
    const unlessNext = (event.unlessNext ?? []).map((w) => fold(w).split(' ')).filter((w) => w[0]);
    for (const t of [...event.triggers.vi, ...event.triggers.en]) {
      const f = fold(t);
      if (f) out.push({ words: f.split(' '), event, unlessNext });
    }
  }
  // Longest first: the first trigger found is the one to use.
  out.sort((a, b) => b.words.length - a.words.length || b.words.join(' ').length - a.words.join(' ').length);
  compiled.set(events, out);
  return out;
}

function occursAt(words: string[], t: Trigger): boolean {
  outer: for (let i = 0; i + t.words.length <= words.length; i++) {
    for (let k = 0; k < t.words.length; k++) if (words[i + k] !== t.words[k]) continue outer;
    const end = i + t.words.length;
    if (t.unlessNext.some((u) => u.every((w, k) => words[end + k] === w))) continue;
    return true;
  }
  return false;
}

/**
 * The life event a message describes, or null. A trigger matches when its folded words occur
 * as whole words in one clause of the folded message; the longest matching trigger decides.
 */
export function matchLifeEvent(text: string, events: readonly LifeEvent[]): LifeEvent | null {
  // Clauses keep "bố tôi mới mất, cần làm gì" apart from "mất căn cước".
  const clauses = text
    .split(/[,.;:!?\n()]+/)
    .map((c) => fold(c))
    .filter(Boolean)
    .map((c) => c.split(' '));
  if (!clauses.length) return null;
  for (const t of triggersOf(events)) if (clauses.some((words) => occursAt(words, t))) return t.event;
  return null;
}
