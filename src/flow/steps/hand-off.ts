import type { OfficeHours } from '../../config.js';
import { clip } from '../../core/clip.js';
import { renderText, type Run, type StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

const VN_OFFSET = 7 * 3_600_000;
const DAY_VI = ['Chủ nhật', 'thứ Hai', 'thứ Ba', 'thứ Tư', 'thứ Năm', 'thứ Sáu', 'thứ Bảy'];
const DAY_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** When staff will next be at work, from office hours in Vietnam time; null = now. */
export function nextOfficeTime(now: number, hours: OfficeHours): { day: number; minute: number; inDays: number } | null {
  const local = new Date(now + VN_OFFSET);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const day = local.getUTCDay();
  const sorted = [...hours.ranges].sort((a, b) => a[0] - b[0]);
  if (hours.days.includes(day) && sorted.some(([s, e]) => minute >= s && minute < e)) return null;
  for (let k = 0; k < 8; k++) {
    const d = (day + k) % 7;
    if (!hours.days.includes(d)) continue;
    const start = sorted.find(([s]) => k > 0 || s > minute);
    if (start) return { day: d, minute: start[0], inDays: k };
  }
  return null;
}

/** What staff read first in the inbox: the flow by its title, the procedure by its name. */
function summarise(run: Run): string {
  const parts: string[] = [];
  // The handoff flow itself says nothing the staff member needs.
  if (run.flow.id !== 'handoff') parts.push(`Luồng: «${run.flow.title.vi}»${run.state.history.length > 1 ? ` (bước trước: ${run.state.history.at(-2)})` : ''}`);
  for (const [k, v] of Object.entries(run.state.vars)) {
    if (k.startsWith('_')) continue;
    if (v && typeof v === 'object') {
      const { code, name } = v as { code?: string; name?: string };
      parts.push(k === 'procedure' ? `Thủ tục: ${name ?? ''}${code ? ` (mã ${code})` : ''}`.trim() : `${k}: ${[name, code].filter(Boolean).join(' ')}`);
    } else parts.push(`${k}: ${String(v)}`);
  }
  return clip(parts.join(' · ') || 'Công dân yêu cầu gặp cán bộ', 1000);
}

/** `handoff`: queue the conversation for a staff member, with a summary and when they will answer. */
export const handOff: StepExecutor<Extract<Step, { type: 'handoff' }>> = {
  enter(step, id, run) {
    const vi = run.state.lang === 'vi';
    const next = nextOfficeTime(run.now, run.deps.officeHours);
    const when = !next
      ? vi
        ? 'Cán bộ đang trong giờ làm việc và sẽ trả lời anh/chị sớm nhất có thể.'
        : 'Staff are at work now and will answer you as soon as possible.'
      : vi
        ? `Hiện ngoài giờ làm việc. Cán bộ sẽ trả lời anh/chị từ ${hhmm(next.minute)} ${next.inDays === 0 ? 'hôm nay' : next.inDays === 1 ? 'ngày mai' : DAY_VI[next.day]} (giờ Việt Nam).`
        : `We are outside office hours. Staff will answer from ${hhmm(next.minute)} ${next.inDays === 0 ? 'today' : next.inDays === 1 ? 'tomorrow' : DAY_EN[next.day]} (Vietnam time).`;
    const intro = step.text ? renderText(run, step.text) + '\n' : '';
    run.replies.push({
      text: `${intro}${vi ? 'Tôi đã chuyển cuộc trò chuyện cho cán bộ hỗ trợ, kèm tóm tắt những gì anh/chị đã làm.' : 'I have passed this conversation to a staff member, with a summary of what you have done.'} ${when}\n${vi ? 'Anh/chị cứ nhắn thêm thông tin ở đây; gõ "menu" nếu muốn quay lại trợ lý tự động.' : 'You can add details here; type "menu" to return to the assistant.'}`,
    });
    run.handoff = { summary: summarise(run), reason: `${run.flow.id}/${id}` };
    run.events.push({ type: 'handoff', flowId: run.flow.id, stepId: id });
    run.finish(false);
  },
};
