import { fold } from '../text/vi/fold.js';
import { loadLifeEvents, matchLifeEvent } from '../catalogue/life-events.js';
import type { EngineDeps } from '../flow/context.js';
import { sessionKey, type Inbound, type Reply } from '../core/message.js';
import { maskPII } from '../core/privacy.js';
import type { HandleInbound } from '../core/router-types.js';
import { newSession, type Session } from '../core/session.js';
import { findPlaces, loadPlaces, mentionsDistrict, placeNote, districtNote } from '../places/index.js';
import { startFlow } from './flow-runner.js';
import { activeFlow } from './steps/active-flow.js';
import { contact } from './steps/contact.js';
import { fallback } from './steps/fallback.js';
import { globalIntents } from './steps/global-intents.js';
import { handoffRelay } from './steps/handoff-relay.js';
import { idle } from './steps/idle.js';
import { languageSwitch } from './steps/language-switch.js';
import { lifeEvent } from './steps/life-event.js';
import { offeredPick } from './steps/offered-pick.js';
import { procedureCode } from './steps/procedure-code.js';
import { procedureQuestion } from './steps/procedure-question.js';
import { search } from './steps/search.js';
import { secretGuard } from './steps/secret-guard.js';
import { triggers } from './steps/triggers.js';
import { createTranscripts } from './transcripts.js';
import { memoryTranscripts } from '../store/transcripts-memory.js';
import { t, type Middleware, type Profile, type RouterContext, type RouterDeps, type Turn } from './turn.js';
import { loadUnderstanding } from './understanding.js';
import { phraseSet } from './phrases.js';

export type { RouterDeps } from './turn.js';

const NATIONAL: Profile = { province: null, portalUrl: 'https://dichvucong.gov.vn', hotline: null, oneStopAddress: null };

/**
 * The router: one turn runs through a pipeline of small steps, each free to answer or pass on —
 * secret guard → language → global intents → handoff relay → idle → places → active flow →
 * offered pick → procedure code → triggers → life event → contact → question over a procedure → search → fallback.
 * Loads the session before and saves it after; never throws to a channel.
 */
export function createRouter(deps: RouterDeps): { handle: HandleInbound; engineDeps: EngineDeps; context: RouterContext } {
  const understanding = deps.understanding ?? loadUnderstanding();
  const lifeEvents = deps.lifeEvents ?? loadLifeEvents();
  const places = deps.places ?? loadPlaces();
  const engineDeps: EngineDeps = {
    flow: (id) => deps.flows.current(id),
    searcher: deps.searcher,
    officeHours: deps.config.officeHours,
    understands: (text) => {
      const folded = understanding.normalize(fold(text));
      if (!folded) return false;
      if (understanding.question(folded).kinds.length || understanding.outOfScope(folded) || understanding.ambiguity(folded)) return true;
      if (deps.flows.matchTrigger(text) || matchLifeEvent(text, lifeEvents)) return true;
      return deps.searcher().ask(text, { limit: 1 }).hits.length > 0;
    },
  };
  const placeWords = phraseSet(
    places.provinces.flatMap((p) => [p.name, ...p.merged, ...p.aliases]).flatMap((name) => ['', 'o ', 'tai ', 'tinh ', 'tp ', 'thanh pho ', 'o tinh ', 'tai tinh ', 'in '].map((pre) => `${pre}${name}`)),
  );
  const ctx: RouterContext = { deps, engineDeps, understanding, places, lifeEvents, profile: deps.config.profile ?? NATIONAL, transcripts: createTranscripts(deps.transcripts ?? memoryTranscripts()), placeWords };

  const pipeline: Middleware[] = [
    nonText(ctx),
    secretGuard(ctx),
    languageSwitch(),
    globalIntents(ctx),
    handoffRelay(ctx),
    idle(ctx),
    placeNotes(ctx),
    activeFlow(ctx),
    offeredPick(ctx),
    procedureCode(ctx),
    triggers(ctx),
    lifeEvent(ctx),
    contact(ctx),
    procedureQuestion(ctx),
    search(ctx),
    fallback(ctx),
  ];

  const handle: HandleInbound = async (inbound) => {
    const key = sessionKey(inbound.channel, inbound.chatId);
    try {
      const turn = await openTurn(ctx, inbound, key);
      turn.emit({ type: 'message_in', flowId: turn.session.flowId ?? undefined, stepId: turn.session.stepId ?? undefined });
      const answer = await run(pipeline, turn);
      await Promise.all(turn.pending);
      // An empty answer means "send nothing" (a citizen waiting for staff is not interrupted).
      const replies = answer.length || turn.before.length ? [...turn.before, ...answer, ...(answer.length ? turn.after : [])] : [];
      await ctx.transcripts
        .record(key, [turn.line, ...replies.map((r) => ({ from: 'bot' as const, text: r.text, at: inbound.at, options: r.options }))])
        .catch((err: Error) => deps.log.warn({ err: err.message }, 'transcript not recorded'));
      return replies;
    } catch (err) {
      deps.log.error({ err, channel: inbound.channel }, 'router failed');
      return [{ text: 'Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau ít phút.\nSorry, something went wrong. Please try again shortly.' }];
    }
  };
  return { handle, engineDeps, context: ctx };
}

/** Runs the steps in order; each calls `next()` to pass the turn on. */
function run(steps: Middleware[], turn: Turn, i = 0): Promise<Reply[]> {
  const step = steps[i];
  if (!step) return Promise.resolve([]);
  return step(turn, () => run(steps, turn, i + 1));
}

/** A turn for one inbound message (exported for the steps' unit tests). */
export async function openTurn(ctx: RouterContext, inbound: Inbound, key = sessionKey(inbound.channel, inbound.chatId)): Promise<Turn> {
  const { deps } = ctx;
  const now = deps.now();
  const raw = (inbound.text ?? '').slice(0, 4000);
  const [stored, handoff, recent] = await Promise.all([
    deps.sessions.get(key),
    deps.handoffs.openFor(key),
    ctx.transcripts.load(key).catch((err: Error) => {
      deps.log.warn({ err: err.message }, 'transcript not read');
      return [];
    }),
  ]);
  const turn: Turn = {
    inbound,
    key,
    now,
    text: raw,
    folded: ctx.understanding.normalize(fold(raw)),
    masked: maskPII(raw),
    line: { from: 'citizen', text: raw, at: now },
    recent,
    session: stored ?? newSession(now, deps.defaultLang ?? 'vi'),
    handoff,
    before: [],
    after: [],
    flowStarted: false,
    pending: [],
    lang: () => turn.session.lang,
    save(s: Session) {
      turn.session = { ...s, updatedAt: now };
      // Saved in call order (the store takes its copy at once); the turn awaits `pending` before replying.
      turn.pending.push(deps.sessions.set(key, turn.session));
    },
    emit: (e) => deps.events.emit({ ...e, at: now, channel: inbound.channel, user: inbound.userId }),
    narrow(text: string) {
      turn.text = text;
      turn.folded = ctx.understanding.normalize(fold(text));
    },
  };
  return turn;
}

/** Images, stickers, voice: the text-only notice and the menu. */
function nonText(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    if (turn.inbound.kind === 'text' || turn.inbound.kind === 'command') return next();
    const notice = t(turn.lang(), 'Xin lỗi, hiện tôi chỉ đọc được tin nhắn chữ. Anh/chị vui lòng gõ câu hỏi hoặc chọn trong menu.', 'Sorry, I can only read text. Please type your question or choose from the menu.');
    if (turn.handoff) return [{ text: notice }];
    return [{ text: notice }, ...startFlow(ctx, turn, 'main-menu').replies];
  };
}

/** A former province or a district office named: what changed in 2025, said below the answer. */
function placeNotes(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const lang = turn.lang();
    for (const m of findPlaces(turn.text, ctx.places)) if (m.merged) turn.after.push({ text: placeNote(m, lang) });
    if (mentionsDistrict(turn.text)) turn.after.push({ text: districtNote(lang) });
    return next();
  };
}
