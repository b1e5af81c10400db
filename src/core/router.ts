import { fold } from '../catalogue/fold.js';
import type { Searcher } from '../catalogue/types.js';
import type { Config } from '../config.js';
import type { EngineDeps, EngineInput, StepResult } from '../flow/context.js';
import { step } from '../flow/engine.js';
import { matchOption } from '../flow/options.js';
import type { FlowRegistry } from '../flow/registry.js';
import type { Logger } from '../log.js';
import type { AppEvent, EventSink } from '../stats/event.js';
import type { HandoffStore, SessionStore } from '../store/types.js';
import { sessionKey, type Inbound, type Lang, type Reply } from './message.js';
import { maskPII } from './privacy.js';
import { offerText, procedureCard } from './procedure-reply.js';
import type { HandleInbound } from './router-types.js';
import { newSession, type Session } from './session.js';

export interface RouterDeps {
  flows: FlowRegistry;
  searcher: () => Searcher;
  sessions: SessionStore;
  handoffs: HandoffStore;
  events: EventSink;
  now: () => number;
  config: Pick<Config, 'sessionIdleMs' | 'officeHours'>;
  log: Logger;
  /** Language for citizens who have not chosen one. */
  defaultLang?: Lang;
  /** Keyed hash for citizen ids kept in stored records (handoffs); identity when absent. */
  pseudonymise?: (userId: string) => string;
  /** A citizen picked this procedure from search results (feeds the search's learned prior). */
  onPick?: (code: string) => void;
}

type Command = 'menu' | 'back' | 'cancel' | 'help' | 'lang_en' | 'lang_vi' | 'lang_toggle' | 'human';
const COMMANDS: [RegExp, Command][] = [
  [/^\/?(start|menu|bat dau|trang chu|main menu)$/, 'menu'],
  [/^\/?(back|quay lai|tro lai|lui lai)$/, 'back'],
  [/^\/?(cancel|huy|thoat|dung lai|stop|exit)$/, 'cancel'],
  [/^\/?(help|tro giup|giup do|huong dan su dung)$/, 'help'],
  [/^\/?(english|tieng anh|en)$/, 'lang_en'],
  [/^\/?(tieng viet|vietnamese|vi)$/, 'lang_vi'],
  [/^\/lang$/, 'lang_toggle'],
  [/^\/?(human|gap can bo|gap nguoi that|noi chuyen voi can bo|can bo|nhan vien|agent)$/, 'human'],
];
// A code or password actually typed after its keyword ("mã OTP là 123456", "mật khẩu của tôi là …"),
// not a question that merely mentions OTP.
const SECRET = /\b(otp|ma pin|pin|cvv|cvc|ma xac thuc|ma xac nhan)\b\D{0,25}\d{4,8}\b|\b(mat khau|password|passcode)\b(\s+cua\s+\S+)?\s*(la|:|=|is)\s*\S+/;
const CARD = /(?<!\d)(?:\d[\s-]?){15,18}\d(?!\d)/;
const PICK = /^p:(\d{1,2}\.\d{6}(?:\.[A-Za-z0-9]+)*)$/;
const TRANSCRIPT = 20;
const MAX_TRANSCRIPTS = 20_000;

const t = (lang: Lang, vi: string, en: string) => (lang === 'vi' ? vi : en);

/**
 * The router: global commands → the active flow → flow triggers → catalogue search → fallback.
 * Loads and saves the session around the pure engine; never throws to a channel.
 */
export function createRouter(deps: RouterDeps): { handle: HandleInbound; engineDeps: EngineDeps } {
  const transcripts = new Map<string, { from: 'citizen' | 'bot'; text: string; at: number }[]>();
  const engineDeps: EngineDeps = { flow: (id) => deps.flows.current(id), searcher: deps.searcher, officeHours: deps.config.officeHours };

  const record = (key: string, from: 'citizen' | 'bot', text: string, at: number) => {
    const list = transcripts.get(key) ?? [];
    transcripts.delete(key);
    list.push({ from, text: maskPII(text).slice(0, 500), at });
    if (list.length > TRANSCRIPT) list.splice(0, list.length - TRANSCRIPT);
    transcripts.set(key, list);
    if (transcripts.size > MAX_TRANSCRIPTS) transcripts.delete(transcripts.keys().next().value as string);
  };

  // Handoffs opened during a turn; awaited before the turn's replies go out.
  const pending: Promise<unknown>[] = [];
  const handle: HandleInbound = async (inbound) => {
    const key = sessionKey(inbound.channel, inbound.chatId);
    try {
      const replies = await route(inbound, key);
      await Promise.all(pending.splice(0));
      for (const r of replies) record(key, 'bot', r.text, inbound.at);
      // An empty list means "send nothing" (a citizen waiting for staff is not interrupted).
      return replies;
    } catch (err) {
      deps.log.error({ err, channel: inbound.channel }, 'router failed');
      return [{ text: 'Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau ít phút.\nSorry, something went wrong. Please try again shortly.' }];
    }
  };

  async function route(inbound: Inbound, key: string): Promise<Reply[]> {
    const now = deps.now();
    let session = deps.sessions.get(key) ?? newSession(now, deps.defaultLang ?? 'vi');
    /** The last thing the bot said (for the funnel: what a citizen saw before giving up). */
    const lastBotText = () => [...(transcripts.get(key) ?? [])].reverse().find((m) => m.from === 'bot')?.text.slice(0, 300);
    const emit = (e: Omit<AppEvent, 'at' | 'channel' | 'user'>) => deps.events.emit({ ...e, at: now, channel: inbound.channel, user: inbound.userId });
    const save = (s: Session) => {
      session = { ...s, updatedAt: now };
      deps.sessions.set(key, session);
    };
    const lang = () => session.lang;
    emit({ type: 'message_in', flowId: session.flowId ?? undefined, stepId: session.stepId ?? undefined });

    if (inbound.kind !== 'text' && inbound.kind !== 'command') {
      return [{ text: t(lang(), 'Xin lỗi, hiện tôi chỉ đọc được tin nhắn chữ. Anh/chị vui lòng gõ câu hỏi hoặc chọn trong menu.', 'Sorry, I can only read text. Please type your question or choose from the menu.') }, ...startFlow('main-menu').replies];
    }
    const raw = (inbound.text ?? '').slice(0, 4000);
    const folded = fold(raw);
    const masked = maskPII(raw);
    record(key, 'citizen', raw, now);

    if (SECRET.test(folded) || CARD.test(raw)) {
      emit({ type: 'secret_warning' });
      return [{ text: t(lang(), '⚠️ Anh/chị tuyệt đối không chia sẻ mã OTP, mật khẩu, mã PIN hay số thẻ ngân hàng với bất kỳ ai, kể cả trợ lý này và cán bộ. Tôi không lưu nội dung đó.', '⚠️ Never share OTP codes, passwords, PINs or card numbers with anyone, including this assistant and staff. I have not kept it.') }];
    }

    const command = COMMANDS.find(([re]) => re.test(folded))?.[1];

    // A conversation waiting for a human: the bot does not interrupt, except for "menu"/"hủy".
    const open = deps.handoffs.openFor(key);
    if (open && command !== 'menu' && command !== 'cancel') {
      await deps.handoffs.append(open.id, { from: 'citizen', text: masked.slice(0, 2000), at: now });
      if (session.handoff !== 'waiting') return [];
      save({ ...session, handoff: 'active' });
      return [{ text: t(lang(), 'Cán bộ đã nhận được tin nhắn của anh/chị và sẽ trả lời tại đây. Gõ "menu" nếu muốn quay lại trợ lý tự động.', 'A staff member has your message and will answer here. Type "menu" to return to the assistant.') }];
    }
    if (open) {
      await deps.handoffs.close(open.id, now);
      save({ ...session, handoff: null });
    }

    // An idle flow ends politely on the next message.
    if (session.flowId && now - session.updatedAt > deps.config.sessionIdleMs) {
      emit({ type: 'flow_abandon', flowId: session.flowId, stepId: session.stepId ?? undefined, text: lastBotText(), data: { reason: 'idle' } });
      save({ ...newSession(now, session.lang) });
      if (!command) {
        const r = startFlow('main-menu');
        return [{ text: t(lang(), 'Cuộc trò chuyện trước đã kết thúc vì lâu không có phản hồi. Mình bắt đầu lại nhé.', 'The previous conversation ended after a long pause. Let us start again.') }, ...r.replies];
      }
    }

    switch (command) {
      case 'menu':
        abandon('menu');
        return startFlow('main-menu').replies;
      case 'cancel':
        abandon('cancel');
        return [{ text: t(lang(), 'Đã hủy. Anh/chị có thể gõ câu hỏi khác hoặc "menu" để xem các việc tôi hỗ trợ.', 'Cancelled. Type another question, or "menu" to see what I can help with.') }];
      case 'help':
        return [{ text: t(lang(), 'Anh/chị có thể:\n• gõ tên thủ tục (có dấu hay không dấu đều được), ví dụ "làm lại căn cước"\n• "menu": các việc tôi hỗ trợ\n• "quay lại": về bước trước\n• "hủy": dừng việc đang làm\n• "gặp cán bộ": nói chuyện với cán bộ\n• "English": chuyển sang tiếng Anh', 'You can:\n• type a procedure name, e.g. "birth registration"\n• "menu": what I can help with\n• "back": previous step\n• "cancel": stop\n• "human": talk to a staff member\n• "Tiếng Việt": switch to Vietnamese') }];
      case 'lang_en':
      case 'lang_vi':
      case 'lang_toggle': {
        const next: Lang = command === 'lang_en' ? 'en' : command === 'lang_vi' ? 'vi' : session.lang === 'vi' ? 'en' : 'vi';
        save({ ...session, lang: next });
        const reask = session.flowId ? runEngine({ kind: 'back' }, true) : undefined;
        return [{ text: t(next, 'Đã chuyển sang tiếng Việt.', 'Switched to English.') }, ...(reask?.replies ?? startFlow('main-menu').replies)];
      }
      case 'human': {
        const r = runHandoff();
        return r;
      }
      case 'back':
        if (session.flowId) return runEngine({ kind: 'back' }).replies;
        return startFlow('main-menu').replies;
    }

    if (session.flowId) {
      const r = runEngine({ kind: 'text', text: raw });
      if (!r.unhandled) return r.replies;
    }

    // A number or label picks one of the procedures offered by the last search.
    const offered = Array.isArray(session.vars._offered) ? (session.vars._offered as string[]) : [];
    const offeredProcs = offered.map((c) => deps.searcher().get(c)).filter((p) => p !== undefined);
    const k = offeredProcs.length ? matchOption(raw, offeredProcs.map((p) => `p:${p.code}`), offeredProcs.map((p) => p.name)) : -1;
    const picked = k >= 0 ? PICK.exec(`p:${offeredProcs[k]!.code}`) : PICK.exec(raw.trim());
    if (picked) {
      const searcher = deps.searcher();
      const p = searcher.get(picked[1]!);
      if (p) {
        if (offered.includes(p.code)) deps.onPick?.(p.code);
        const variants = searcher.variantsOf(p.code).map((c) => searcher.get(c)).filter((v) => v !== undefined);
        save({ ...session, vars: { procedure: { code: p.code, name: p.name, url: p.url ?? 'https://dichvucong.gov.vn', online: p.online === 'full' ? 'full' : p.onlineSubmission ? 'yes' : 'no' } } });
        return [procedureCard(p, lang(), variants), ...startFlow('submit-dossier', true).replies];
      }
    }

    const triggered = deps.flows.match(raw);
    if (triggered) return startFlow(triggered).replies;

    const outcome = deps.searcher().ask(raw, { limit: 5 });
    const hits = outcome.hits;
    const query = masked.slice(0, 300);
    if (hits.length) {
      emit({ type: 'search', text: query, data: { results: hits.length, top: hits[0]!.procedure.code, ...(outcome.clarify ? { clarify: outcome.clarify.kind } : {}) } });
      save({ ...session, vars: { _offered: hits.map((h) => h.procedure.code) } });
      return [
        {
          text: offerText(outcome, lang(), {
            vi: 'Tôi tìm thấy các thủ tục sau. Anh/chị chọn thủ tục đúng với nhu cầu để xem thông tin và cách nộp hồ sơ:',
            en: 'I found these procedures. Choose the one you need to see its details and how to apply:',
          }),
          options: hits.map((h) => ({ id: `p:${h.procedure.code}`, label: h.procedure.name.length > 120 ? h.procedure.name.slice(0, 117) + '…' : h.procedure.name })),
        },
      ];
    }
    emit({ type: 'search_miss', text: query });
    return [{ text: t(lang(), 'Xin lỗi, tôi chưa hiểu câu hỏi hoặc chưa tìm thấy thủ tục phù hợp. Anh/chị thử gõ ngắn gọn tên thủ tục, hoặc chọn một việc dưới đây:', 'Sorry, I did not understand or found no matching procedure. Try a short procedure name, or choose below:') }, ...startFlow('main-menu').replies];

    function abandon(reason: string) {
      if (session.flowId) emit({ type: 'flow_abandon', flowId: session.flowId, stepId: session.stepId ?? undefined, text: lastBotText(), data: { reason } });
      save({ ...newSession(now, session.lang) });
    }

    function apply(r: StepResult): StepResult {
      for (const e of r.events) emit({ type: e.type, flowId: e.flowId, stepId: e.stepId, text: e.text, data: e.data });
      save(r.state);
      return r;
    }

    function startFlow(id: string, keepVars = false): StepResult {
      const current = deps.flows.current(id);
      if (!current) return { state: session, replies: [{ text: t(lang(), 'Anh/chị gõ tên thủ tục cần tìm, ví dụ "đăng ký khai sinh".', 'Type the procedure you need, e.g. "birth registration".') }], events: [] };
      const base = keepVars ? session : { ...session, vars: {} };
      return apply(step(current.flow, base, { kind: 'start' }, now, engineDeps, current.version));
    }

    function runEngine(input: EngineInput, quiet = false): StepResult {
      const flow = session.flowId && session.flowVersion ? deps.flows.get(session.flowId, session.flowVersion) : undefined;
      if (!flow) {
        save(newSession(now, session.lang));
        return quiet ? { state: session, replies: [], events: [] } : startFlow('main-menu');
      }
      const r = apply(step(flow, session, input, now, engineDeps));
      if (r.handoff) pending.push(openHandoff(r.handoff.summary, r.handoff.reason));
      return r;
    }

    function runHandoff(): Reply[] {
      const h = deps.flows.current('handoff');
      if (h) {
        const r = apply(step(h.flow, { ...session, vars: session.vars }, { kind: 'start' }, now, engineDeps, h.version));
        if (r.handoff) pending.push(openHandoff(`${session.flowId ? `Đang ở luồng ${session.flowId}, bước ${session.stepId}. ` : ''}${r.handoff.summary}`, 'citizen asked for a human'));
        return r.replies;
      }
      pending.push(openHandoff(session.flowId ? `Đang ở luồng ${session.flowId}, bước ${session.stepId}` : 'Công dân yêu cầu gặp cán bộ', 'citizen asked for a human'));
      return [{ text: t(lang(), 'Tôi đã chuyển cuộc trò chuyện cho cán bộ. Cán bộ sẽ trả lời anh/chị tại đây.', 'I have passed this conversation to a staff member, who will answer here.') }];
    }

    async function openHandoff(summary: string, reason: string) {
      save({ ...session, handoff: 'waiting' });
      emit({ type: 'handoff', flowId: session.flowId ?? undefined });
      await deps.handoffs.open({
        sessionKey: key,
        channel: inbound.channel,
        chatId: inbound.chatId,
        user: deps.pseudonymise ? deps.pseudonymise(inbound.userId) : inbound.userId,
        summary: maskPII(summary),
        reason,
        createdAt: now,
        transcript: (transcripts.get(key) ?? []).map((m) => ({ ...m })),
      });
    }
  }

  return { handle, engineDeps };
}
