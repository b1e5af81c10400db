import type { Reply } from '../../core/message.js';
import { matchOption } from '../../flow/options.js';
import { abandon, runEngine, runHandoff, startFlow } from '../flow-runner.js';
import { t, type Middleware, type RouterContext, type Turn } from '../turn.js';

const HELP = {
  vi: 'Anh/chị có thể:\n• gõ tên thủ tục hoặc câu hỏi (có dấu hay không dấu đều được), ví dụ "làm lại căn cước", "đổi bằng lái mất bao nhiêu tiền"\n• "menu": các việc tôi hỗ trợ\n• "quay lại": về bước trước\n• "hủy": dừng việc đang làm\n• "gặp cán bộ": nói chuyện với cán bộ\n• "English": chuyển sang tiếng Anh',
  en: 'You can:\n• type a procedure or a question, e.g. "replace my ID card", "how much is a driving licence exchange"\n• "menu": what I can help with\n• "back": previous step\n• "cancel": stop\n• "human": talk to a staff member\n• "Tiếng Việt": switch to Vietnamese',
};

/** Intents that give way to an option of the menu on screen with the same words. */
const SOFT = new Set(['thanks', 'greeting', 'help', 'bot', 'back']);

/**
 * Intents that work from anywhere: a person, cancel, back, menu, help, language, greeting,
 * thanks, "are you a robot". While a staff member has the conversation only "menu" and "hủy"
 * get through; everything else is relayed to them by the next step.
 */
export function globalIntents(ctx: RouterContext): Middleware {
  const self: Middleware = async (turn, next) => {
    const u = ctx.understanding;
    const intent = turn.inbound.kind === 'command' && turn.folded === 'lang' ? 'langToggle' : u.giveUp(turn.folded) ? 'cancel' : u.intent(turn.folded);
    // An answer to the menu on screen is an answer, even when it sounds like small talk ("Không, cảm ơn").
    // A person, cancel or the menu always mean what they say.
    if (intent && SOFT.has(intent) && !turn.handoff && answersOpenMenu(ctx, turn)) return next();
    if (turn.handoff) {
      if (intent !== 'menu' && intent !== 'cancel') return next();
      await ctx.deps.handoffs.close(turn.handoff.id, turn.now);
      turn.handoff = undefined;
      turn.save({ ...turn.session, handoff: null });
    }
    const lang = turn.lang();
    switch (intent) {
      case 'human':
        return runHandoff(ctx, turn);
      case 'menu':
        abandon(ctx, turn, 'menu');
        return startFlow(ctx, turn, 'main-menu').replies;
      case 'cancel':
        abandon(ctx, turn, 'cancel');
        return [{ text: t(lang, 'Dạ, đã hủy. Anh/chị có thể gõ câu hỏi khác hoặc "menu" để xem các việc tôi hỗ trợ.', 'Cancelled. Type another question, or "menu" to see what I can help with.') }];
      case 'back':
        if (turn.session.flowId) return runEngine(ctx, turn, { kind: 'back' }).replies;
        return startFlow(ctx, turn, 'main-menu').replies;
      case 'help':
        return [{ text: HELP[lang] }, ...stepAgain(ctx, turn)];
      case 'langEn':
      case 'langVi':
      case 'langToggle': {
        const to = intent === 'langEn' ? 'en' : intent === 'langVi' ? 'vi' : lang === 'vi' ? 'en' : 'vi';
        turn.save({ ...turn.session, lang: to });
        const again = turn.session.flowId ? runEngine(ctx, turn, { kind: 'repeat' }, true).replies : startFlow(ctx, turn, 'main-menu').replies;
        return [{ text: t(to, 'Dạ, tôi sẽ trả lời bằng tiếng Việt.', 'Switched to English.') }, ...again];
      }
      case 'greeting':
        if (turn.session.flowId) return [{ text: t(lang, 'Chào anh/chị ạ!', 'Hello!') }, ...stepAgain(ctx, turn)];
        return startFlow(ctx, turn, 'main-menu').replies;
      case 'thanks':
        return [{ text: t(lang, 'Dạ, không có gì ạ. Anh/chị cần hỗ trợ thêm cứ nhắn cho tôi, hoặc gõ "menu" để xem các việc tôi làm được.', 'You are welcome! Message me any time, or type "menu" to see what I can do.') }];
      case 'bot':
        return [
          {
            text: t(
              lang,
              'Dạ, tôi là trợ lý tự động (chatbot) hướng dẫn thủ tục hành chính và dịch vụ công trực tuyến, không phải người thật. Khi cần cán bộ hỗ trợ, anh/chị gõ "gặp cán bộ".',
              'I am an automated assistant (a chatbot) for public services, not a person. To reach a staff member, type "human".',
            ),
            options: [
              { id: 'human', label: t(lang, 'Gặp cán bộ', 'Talk to a staff member') },
              { id: 'menu', label: 'Menu' },
            ],
          },
        ];
    }
    // "thôi, tôi muốn hỏi …" / "à nhầm, …": leave the flow and answer the rest.
    const changed = turn.session.flowId ? u.changeOfMind(turn.folded) : null;
    if (changed) {
      abandon(ctx, turn, 'changed mind');
      // "Thôi, cho tôi về menu chính": the rest is itself an intent.
      if (u.intent(changed)) {
        turn.narrow(changed);
        return self(turn, next);
      }
      // "Thôi bỏ đi, để mai tôi hỏi con": nothing else to answer, so it is a plain cancel.
      if (!ctx.engineDeps.understands?.(changed)) return [{ text: t(lang, 'Dạ, đã dừng việc đang làm. Khi cần, anh/chị cứ nhắn câu hỏi hoặc gõ "menu".', 'Stopped. Message me any time, or type "menu".') }];
      turn.narrow(changed);
      return next();
    }
    // "chào ad, cho em hỏi …": the greeting needs no answer of its own.
    const rest = u.afterGreeting(turn.folded);
    if (rest) turn.narrow(rest);
    return next();
  };
  return self;
}

function answersOpenMenu(ctx: RouterContext, turn: Turn): boolean {
  const s = turn.session;
  const step = s.flowId && s.flowVersion && s.stepId ? ctx.deps.flows.get(s.flowId, s.flowVersion)?.steps[s.stepId] : undefined;
  if (step?.type !== 'choose') return false;
  const labels = step.options.map((o) => o.label[s.lang] || o.label.vi);
  return matchOption(turn.text, labels.map((_, i) => `o${i + 1}`), labels) >= 0;
}

/** The current step once more, below a help text or a greeting (nothing outside a flow). */
function stepAgain(ctx: RouterContext, turn: Turn): Reply[] {
  return turn.session.flowId ? runEngine(ctx, turn, { kind: 'repeat' }, true).replies : [];
}
