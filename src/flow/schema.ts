import { z } from 'zod';

/**
 * The flow document: one zod schema, the source of the TypeScript types and of the help text
 * the admin editor shows. Staff write flows as YAML in flows/<id>.yaml.
 */

export const textSchema = z
  .object({
    vi: z.string().min(1, 'thiếu nội dung tiếng Việt').describe('Nội dung tiếng Việt, lịch sự ("Anh/chị …"). Biến: {tên_biến}, ví dụ {procedure.name}.'),
    en: z.string().min(1, 'missing English text').describe('Nội dung tiếng Anh (ngôn ngữ thứ hai).'),
  })
  .describe('Nội dung hai thứ tiếng {vi, en}.');
export type Text = z.infer<typeof textSchema>;

const stepId = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'step ids: lower case, digits, _ or -, at most 40 characters');
const linkSchema = z.object({ label: textSchema, url: z.string().url().startsWith('https://', 'links must be https://') }).describe('Đường dẫn, hiện thành nút bấm (Telegram, web) hoặc thành chữ (Zalo).');

const sayStep = z.object({
  type: z.literal('say').describe('Gửi tin nhắn: gửi một hoặc nhiều tin nhắn rồi sang ngay bước `next`.'),
  messages: z.array(textSchema).min(1).describe('Các tin nhắn, gửi lần lượt.'),
  link: linkSchema.optional(),
  next: stepId.describe('Bước tiếp theo.'),
});

const chooseStep = z.object({
  type: z.literal('choose').describe('Hỏi có lựa chọn: công dân trả lời bằng số thứ tự, bằng nhãn hoặc chữ gần giống nhãn.'),
  text: textSchema,
  options: z.array(z.object({ label: textSchema, next: stepId, set: z.record(z.string(), z.string()).optional().describe('Biến được gán khi công dân chọn lựa chọn này.') })).min(1).max(10),
  link: linkSchema.optional(),
});

export const VALIDATORS = ['cccd', 'phone', 'date', 'email', 'number', 'pattern', 'text', 'dossier'] as const;

const askStep = z.object({
  type: z.literal('ask').describe('Hỏi thông tin: công dân tự gõ, trợ lý kiểm tra bằng trình kiểm tra `validate` rồi lưu vào biến `var`.'),
  text: textSchema,
  var: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,30}$/).describe('Tên biến lưu câu trả lời.'),
  validate: z.enum(VALIDATORS).describe('cccd | phone | date | email | number | pattern | text | dossier (mã hồ sơ)'),
  min: z.number().optional().describe('number: giá trị nhỏ nhất; text: số ký tự ít nhất.'),
  max: z.number().optional().describe('number: giá trị lớn nhất; text: số ký tự nhiều nhất.'),
  pattern: z.string().optional().describe('pattern: biểu thức chính quy mà cả câu trả lời phải khớp.'),
  notFuture: z.boolean().optional().describe('date: không nhận ngày sau hôm nay.'),
  hint: textSchema.optional().describe('Lời nhắc khi câu trả lời không hợp lệ.'),
  maxRetries: z.number().int().min(1).max(10).default(3).describe('Sau chừng này lần trả lời sai, đề nghị trợ giúp hoặc gặp cán bộ.'),
  next: stepId,
});

const condition = z.object({
  var: z.string().min(1),
  equals: z.string().optional(),
  in: z.array(z.string()).optional(),
  exists: z.boolean().optional(),
});
const branchStep = z.object({
  type: z.literal('branch').describe('Rẽ nhánh theo điều kiện: sang bước của trường hợp đầu tiên đúng điều kiện, nếu không có thì sang `else`.'),
  cases: z.array(z.object({ if: condition, next: stepId })).min(1).describe('Các trường hợp: điều kiện `if` (biến `var` bằng `equals`, thuộc `in`, hoặc `exists`) và bước `next`.'),
  else: stepId.describe('Bước khi không trường hợp nào đúng.'),
});

const lookupStep = z.object({
  type: z.literal('lookup').describe('Tra cứu thủ tục: hỏi công dân cần thủ tục nào, tìm trong danh mục, cho chọn một kết quả và lưu vào biến `var`.'),
  text: textSchema,
  var: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,30}$/).default('procedure'),
  next: stepId,
});

const handoffStep = z.object({
  type: z.literal('handoff').describe('Chuyển cán bộ: chuyển cuộc trò chuyện cho cán bộ kèm tóm tắt những gì công dân đã làm.'),
  text: textSchema.optional().describe('Lời nhắn thêm trước thông báo giờ làm việc (tuỳ chọn).'),
});

const endStep = z.object({
  type: z.literal('end').describe('Kết thúc: lời chào cuối; có thể xin đánh giá 1–5 sao và hỏi trợ lý có giúp anh/chị đỡ phải đi lại hay gọi điện không.'),
  text: textSchema,
  csat: z.boolean().default(false).describe('Xin công dân đánh giá 1–5 sao.'),
  containment: z.boolean().default(false).describe('Hỏi trợ lý có giúp công dân đỡ phải đi lại hay gọi điện không.'),
});

const gotoStep = z.object({
  type: z.literal('goto').describe('Sang luồng khác: chuyển tới bước đầu của một luồng khác.'),
  flow: z.string().min(1).describe('Mã luồng đích.'),
});

export const stepSchema = z.discriminatedUnion('type', [sayStep, chooseStep, askStep, branchStep, lookupStep, handoffStep, endStep, gotoStep]);
export type Step = z.infer<typeof stepSchema>;
export type StepType = Step['type'];

export const flowSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'flow ids: lower case letters, digits and -').describe('Mã luồng, không trùng, cũng là tên tệp.'),
  title: textSchema,
  description: textSchema.optional(),
  triggers: z
    .object({ vi: z.array(z.string().min(2)).default([]), en: z.array(z.string().min(2)).default([]) })
    .default({ vi: [], en: [] })
    .describe('Cụm từ kích hoạt luồng (gõ thiếu dấu hoặc sai chính tả nhẹ vẫn nhận).'),
  start: stepId.describe('Bước bắt đầu.'),
  steps: z.record(stepId, stepSchema).describe('Các bước, theo mã bước.'),
});
export type Flow = z.infer<typeof flowSchema>;
