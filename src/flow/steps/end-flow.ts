import { fold } from '../../text/vi/fold.js';
import { renderText, type Run, type StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

type End = Extract<Step, { type: 'end' }>;
const PHASE = '_end';

function askContainment(run: Run) {
  const vi = run.state.lang === 'vi';
  run.state.vars[PHASE] = 'contain';
  run.replies.push({
    text: vi ? 'Trợ lý có giúp anh/chị đỡ một lần đến cơ quan hoặc một cuộc gọi không?' : 'Did this save you a trip to the office or a phone call?',
    options: [
      { id: 'yes', label: vi ? 'Có' : 'Yes' },
      { id: 'no', label: vi ? 'Không' : 'No' },
    ],
  });
}

function thanks(run: Run) {
  run.replies.push({ text: run.state.lang === 'vi' ? 'Cảm ơn anh/chị đã phản hồi! Gõ "menu" khi cần hỗ trợ thêm.' : 'Thank you for your feedback! Type "menu" whenever you need more help.' });
}

/** `end`: closing message, then optionally a 1–5 rating and the "saved a trip or a call?" question. */
export const endFlow: StepExecutor<End> = {
  enter(step, _id, run) {
    run.replies.push({ text: renderText(run, step.text) });
    if (step.csat) {
      run.state.vars[PHASE] = 'csat';
      const vi = run.state.lang === 'vi';
      run.replies.push({
        text: vi ? 'Anh/chị đánh giá mức độ hài lòng từ 1 (chưa hài lòng) đến 5 (rất hài lòng):' : 'How satisfied are you, from 1 (not satisfied) to 5 (very satisfied)?',
        options: [1, 2, 3, 4, 5].map((n) => ({ id: String(n), label: String(n) })),
      });
    } else if (step.containment) askContainment(run);
    else run.finish(true);
  },
  answer(step, id, text, run) {
    const a = fold(text);
    if (run.state.vars[PHASE] === 'csat') {
      const n = Number(a);
      if (!Number.isInteger(n) || n < 1 || n > 5) {
        // Not a rating: the citizen moved on to something else; close quietly and let the router answer.
        run.unhandled = true;
        return run.finish(true);
      }
      run.events.push({ type: 'csat', flowId: run.flow.id, stepId: id, data: { score: n } });
      if (step.containment) return askContainment(run);
      thanks(run);
      return run.finish(true);
    }
    // The options are numbered: Zalo and Telegram users often answer "1" or "2".
    const yes = a === '1' || /^(da |vang )?(yes|y|yeah|yep|co|c|dung|dung vay|vang|da|ok|oke|co chu|co roi|dung roi)( a| nhe| nha| roi| lam)?$/.test(a);
    const no = a === '2' || /^(da |vang )?(no|n|nope|not really|khong|k|ko|kg|chua|khong co|chua co)( a| nhe| nha| roi| lam)?$/.test(a);
    if (!yes && !no) {
      run.unhandled = true;
      return run.finish(true);
    }
    run.events.push({ type: 'containment', flowId: run.flow.id, stepId: id, data: { saved: yes } });
    thanks(run);
    run.finish(true);
  },
};
