import { z } from 'zod';

/**
 * Persisted conversation state of one citizen on one channel. Versioned: bump
 * SESSION_VERSION and add a migration in `parseSession` when the shape changes.
 */
export const SESSION_VERSION = 1;

export const sessionSchema = z.object({
  v: z.literal(SESSION_VERSION),
  /** Active flow, or null when the citizen is at the main menu / free question mode. */
  flowId: z.string().nullable(),
  /** Published flow version pinned when the flow started. */
  flowVersion: z.number().int().nullable(),
  stepId: z.string().nullable(),
  /** Answers collected so far (already masked where they are ID or phone numbers). */
  vars: z.record(z.string(), z.unknown()),
  lang: z.enum(['vi', 'en']),
  /** Failed attempts at the current step. */
  retries: z.number().int().min(0),
  /** Previous step ids in this flow, for "quay lại" (back). */
  history: z.array(z.string()),
  /** Set while the conversation waits for or is handled by a human. */
  handoff: z.enum(['waiting', 'active']).nullable(),
  updatedAt: z.number(),
  /** The procedure the conversation is about (last answered or picked): "lệ phí bao nhiêu?" refers to it. */
  topic: z.string().max(40).nullish(),
});

export type Session = z.infer<typeof sessionSchema>;

export function newSession(now: number, lang: 'vi' | 'en' = 'vi'): Session {
  return {
    v: SESSION_VERSION,
    flowId: null,
    flowVersion: null,
    stepId: null,
    vars: {},
    lang,
    retries: 0,
    history: [],
    handoff: null,
    updatedAt: now,
  };
}

/** Parses stored JSON into a Session; returns null for anything invalid (never throws). */
export function parseSession(raw: unknown): Session | null {
  const r = sessionSchema.safeParse(raw);
  return r.success ? r.data : null;
}
