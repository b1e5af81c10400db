import { z } from 'zod';

/** Levels of government that carry out a procedure (after the 2025 two-tier reform). */
export const LEVELS = ['trung_uong', 'tinh', 'xa', 'khac'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_LABELS: Record<Level, { vi: string; en: string }> = {
  trung_uong: { vi: 'Trung ương', en: 'Central' },
  tinh: { vi: 'Cấp tỉnh', en: 'Provincial' },
  xa: { vi: 'Cấp xã', en: 'Commune' },
  khac: { vi: 'Cơ quan khác', en: 'Other' },
};

const nullableText = z
  .string()
  .trim()
  .max(2000)
  .nullish()
  .transform((v) => (v ? v : null));

/**
 * One administrative procedure (thủ tục hành chính). The code is the national code
 * (e.g. "1.001193"); provincial portals append an agency suffix ("1.012753.H19").
 */
export const procedureSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{1,2}\.\d{6}(\.[A-Za-z0-9]+)*$/, 'mã thủ tục phải có dạng 1.001193 (có thể kèm hậu tố .H19)'),
  name: z.string().trim().min(5, 'tên thủ tục quá ngắn').max(1500),
  field: z.string().trim().min(2, 'thiếu lĩnh vực').max(300),
  /** Where it is carried out; accepts a comma list ("tinh,xa") on import. */
  level: z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[,;|]/).map((s) => s.trim()).filter(Boolean) : v),
    z.array(z.enum(LEVELS)).min(1, 'thiếu cấp thực hiện (trung_uong, tinh, xa, khac)'),
  ),
  agency: nullableText,
  fee: nullableText,
  duration: nullableText,
  /** `full` = toàn trình (fully online), `partial` = một phần, null = not known. */
  online: z.enum(['full', 'partial']).nullish().transform((v) => v ?? null),
  /** An online channel exists on the portal ("có thể nộp trực tuyến"); not the same as full. */
  onlineSubmission: z.boolean().default(false),
  url: z
    .string()
    .trim()
    .url('đường dẫn không hợp lệ')
    .refine((u) => /^https?:\/\//.test(u), 'đường dẫn phải bắt đầu bằng http(s)://')
    .nullish()
    .transform((v) => v ?? null),
  ministry: nullableText,
  subjects: nullableText,
  result: nullableText,
  /** Staff ranking boost: positive values rank this procedure higher (-5 … 5). */
  boost: z.number().min(-5).max(5).default(0),
  /**
   * How citizens ask for this procedure in their own words ("bằng lái bị mất", "làm sổ đỏ để mua
   * nhà"). Indexed by the search next to the name; staff add more, and a question staff map to
   * this procedure from the unmatched list becomes one.
   */
  phrasings: z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/\s*[|\n]\s*/).filter(Boolean) : v ?? []),
    z.array(z.string().trim().min(2, 'cách hỏi quá ngắn').max(300)).max(60, 'tối đa 60 cách hỏi'),
  ),
  source: nullableText,
  /**
   * The portal's channels (Trực tuyến / Trực tiếp / Dịch vụ bưu chính), each with its own fee and
   * the note that often holds the real amount, exemptions and time-limited online discounts.
   */
  channels: z
    .array(
      z.object({
        channel: z.string().trim().max(200),
        duration: nullableText,
        fee: nullableText,
        note: z.string().trim().max(4000).nullish().transform((v) => (v ? v : null)),
      }),
    )
    .max(20)
    .default([]),
  /** The papers to prepare as the portal lists them (noisy: a hint, the portal page is authoritative). */
  documents: z
    .array(z.object({ name: z.string().trim().min(1).max(1000), quantity: nullableText }))
    .max(200)
    .default([]),
});

export type Procedure = z.output<typeof procedureSchema>;
export type ProcedureInput = z.input<typeof procedureSchema>;

/** Caveat used when the portal lost the unit of a duration. */
export const DURATION_NO_UNIT = '(không ghi đơn vị)';
