import { z } from 'zod';

/**
 * The flow document: one zod schema, the source of the TypeScript types and of the help text
 * the admin editor shows. Staff write flows as YAML in flows/<id>.yaml.
 */

export const textSchema = z
  .object({
    vi: z.string().min(1, 'thiếu nội dung tiếng Việt').describe('Nội dung tiếng Việt, lịch sự ("Anh/chị …"). Biến: {tên_biến}, ví dụ {procedure.name}.'),
    en: z.string().min(1, 'missing English text').describe('English text (second language).'),
  })
  .describe('Bilingual text {vi, en}.');
export type Text = z.infer<typeof textSchema>;

const stepId = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'step ids: lower case, digits, _ or -, at most 40 characters');
const linkSchema = z.object({ label: textSchema, url: z.string().url().startsWith('https://', 'links must be https://') }).describe('A link shown as a button (Telegram, web) or as text (Zalo).');

const sayStep = z.object({
  type: z.literal('say').describe('Send one or more messages, then go to `next` at once.'),
  messages: z.array(textSchema).min(1).describe('Messages sent in order.'),
  link: linkSchema.optional(),
  next: stepId.describe('Step that follows.'),
});

const chooseStep = z.object({
  type: z.literal('choose').describe('Ask a question with options; the citizen answers with the number, the label, or something close to the label.'),
  text: textSchema,
  options: z.array(z.object({ label: textSchema, next: stepId, set: z.record(z.string(), z.string()).optional().describe('Variables to set when this option is chosen.') })).min(1).max(10),
  link: linkSchema.optional(),
});

export const VALIDATORS = ['cccd', 'phone', 'date', 'email', 'number', 'pattern', 'text', 'dossier'] as const;

const askStep = z.object({
  type: z.literal('ask').describe('Ask for free input, check it with a validator, store it in `var`.'),
  text: textSchema,
  var: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,30}$/).describe('Variable name the answer is stored in.'),
  validate: z.enum(VALIDATORS).describe('cccd | phone | date | email | number | pattern | text | dossier (mã hồ sơ)'),
  min: z.number().optional().describe('number: smallest value; text: fewest characters.'),
  max: z.number().optional().describe('number: largest value; text: most characters.'),
  pattern: z.string().optional().describe('pattern: a regular expression the whole answer must match.'),
  notFuture: z.boolean().optional().describe('date: refuse dates after today.'),
  hint: textSchema.optional().describe('What to tell the citizen when the answer is not valid.'),
  maxRetries: z.number().int().min(1).max(10).default(3).describe('After this many invalid answers, offer help or a human.'),
  next: stepId,
});

const condition = z.object({
  var: z.string().min(1),
  equals: z.string().optional(),
  in: z.array(z.string()).optional(),
  exists: z.boolean().optional(),
});
const branchStep = z.object({
  type: z.literal('branch').describe('Go to the first case whose condition holds, else to `else`.'),
  cases: z.array(z.object({ if: condition, next: stepId })).min(1),
  else: stepId,
});

const lookupStep = z.object({
  type: z.literal('lookup').describe('Ask which procedure the citizen needs, search the catalogue, let them pick one of the top results, store it in `var`.'),
  text: textSchema,
  var: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,30}$/).default('procedure'),
  next: stepId,
});

const handoffStep = z.object({
  type: z.literal('handoff').describe('Hand the conversation to a staff member with a summary of what the citizen already did.'),
  text: textSchema.optional().describe('Extra text before the office-hours notice.'),
});

const endStep = z.object({
  type: z.literal('end').describe('Closing message; optionally ask for a 1–5 rating and whether this saved a trip or a call.'),
  text: textSchema,
  csat: z.boolean().default(false),
  containment: z.boolean().default(false),
});

const gotoStep = z.object({
  type: z.literal('goto').describe('Jump to the start of another flow.'),
  flow: z.string().min(1),
});

export const stepSchema = z.discriminatedUnion('type', [sayStep, chooseStep, askStep, branchStep, lookupStep, handoffStep, endStep, gotoStep]);
export type Step = z.infer<typeof stepSchema>;
export type StepType = Step['type'];

export const flowSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'flow ids: lower case letters, digits and -').describe('Unique id, also the file name.'),
  title: textSchema,
  description: textSchema.optional(),
  triggers: z
    .object({ vi: z.array(z.string().min(2)).default([]), en: z.array(z.string().min(2)).default([]) })
    .default({ vi: [], en: [] })
    .describe('Phrases that start this flow (diacritics and small typos are tolerated).'),
  start: stepId.describe('The first step.'),
  steps: z.record(stepId, stepSchema).describe('Steps by id.'),
});
export type Flow = z.infer<typeof flowSchema>;
