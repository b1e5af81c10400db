import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createSearcher } from '../../src/catalogue/searcher.js';
import { loadSeed } from '../../src/catalogue/service.js';
import { testConfig } from '../../src/config.js';
import type { Inbound, Reply } from '../../src/core/message.js';
import { createRouter, openTurn } from '../../src/conversation/router.js';
import { activeFlow } from '../../src/conversation/steps/active-flow.js';
import { fallback } from '../../src/conversation/steps/fallback.js';
import { globalIntents } from '../../src/conversation/steps/global-intents.js';
import { handoffRelay } from '../../src/conversation/steps/handoff-relay.js';
import { languageSwitch } from '../../src/conversation/steps/language-switch.js';
import { lifeEvent } from '../../src/conversation/steps/life-event.js';
import { offeredPick } from '../../src/conversation/steps/offered-pick.js';
import { procedureCode } from '../../src/conversation/steps/procedure-code.js';
import { procedureQuestion } from '../../src/conversation/steps/procedure-question.js';
import { search } from '../../src/conversation/steps/search.js';
import { secretGuard } from '../../src/conversation/steps/secret-guard.js';
import { triggers } from '../../src/conversation/steps/triggers.js';
import type { Middleware, RouterContext, Turn } from '../../src/conversation/turn.js';
import { detectLanguage } from '../../src/conversation/language.js';
import { loadUnderstanding } from '../../src/conversation/understanding.js';
import { createFlowRegistry, FLOWS_DIR, seedFlows } from '../../src/flow/index.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { Stores } from '../../src/store/types.js';

// 2026-11-30 09:00 in Vietnam (a Monday, office hours).
const NOW = Date.UTC(2026, 10, 30, 2, 0, 0);
const seed = loadSeed();
const searcher = createSearcher(seed.procedures, seed.tables);
const log = createLogger('silent');

let stores: Stores;
let ctx: RouterContext;
let n = 0;

beforeAll(async () => {
  stores = await createMemoryStores();
  await seedFlows(stores.flows, FLOWS_DIR, NOW, log);
  const flows = await createFlowRegistry(stores.flows, log);
  ctx = createRouter({ flows, searcher: () => searcher, sessions: stores.sessions, handoffs: stores.handoffs, events: { emit: () => undefined }, now: () => NOW, config: testConfig(), log }).context;
});

const inbound = (text: string, chatId = `u${++n}`): Inbound => ({ channel: 'web', chatId, userId: chatId, messageId: String(n), kind: 'text', text, at: NOW });
/** Runs one step on a fresh turn; `next` answers "NEXT" and records the text it was handed. */
async function runStep(step: Middleware, text: string, prepare?: (t: Turn) => void) {
  const turn = await openTurn(ctx, inbound(text));
  prepare?.(turn);
  const next = vi.fn(async (): Promise<Reply[]> => [{ text: 'NEXT' }]);
  const replies = await step(turn, next);
  return { turn, replies, passed: next.mock.calls.length > 0, all: replies.map((r) => r.text).join('\n') };
}

describe('understanding', () => {
  const u = loadUnderstanding();
  it('reads global intents in many phrasings, and not inside real requests', () => {
    expect(u.intent('minh muon noi voi can bo')).toBe('human');
    expect(u.intent('nho nguoi that tu van giup')).toBe('human');
    expect(u.intent('let me speak to someone')).toBe('human');
    expect(u.intent('toi la can bo xa muon hoi ve dat dai')).toBeNull();
    expect(u.intent('thoi bo di')).toBe('cancel');
    expect(u.intent('khong lam nua')).toBe('cancel');
    expect(u.intent('chao shop')).toBe('greeting');
    expect(u.intent('good morning')).toBe('greeting');
    expect(u.intent('em la robot a')).toBe('bot');
    expect(u.intent('cam on chau nhieu nhe')).toBe('thanks');
    expect(u.intent('cam on, doi bang lai mat bao lau')).toBeNull();
  });
  it('finds the kind of question and leaves the procedure part', () => {
    expect(u.question('trich luc khai sinh mat may ngay')).toEqual({ kinds: ['duration'], rest: 'trich luc khai sinh' });
    expect(u.question('xin giay phep xay nha phai nop nhung gi').kinds).toEqual(['documents']);
    expect(u.question('dang ky xe may moi o dau').kinds).toEqual(['where']);
    expect(u.question('how long does a visa extension take').kinds).toEqual(['duration']);
    // "bao nhiêu ngày" is a duration, not a fee.
    expect(u.question('lam ho chieu bao nhieu ngay').kinds).toEqual(['duration']);
  });
  it('asks back only for an abbreviation nothing settles', () => {
    expect(u.ambiguity('tt')?.choices.length).toBe(3);
    expect(u.ambiguity('dang ky tt')).not.toBeNull();
    expect(u.ambiguity('dang ky tam tru tt')).toBeNull();
  });
  it('detects English from the message, never from one word', () => {
    expect(detectLanguage('how much does a passport cost')).toBe('en');
    expect(detectLanguage('lam lai cccd het bao nhieu tien')).toBe('vi');
    expect(detectLanguage('visa')).toBeNull();
    expect(detectLanguage('12345')).toBeNull();
  });
});

describe('pipeline steps', () => {
  it('secret guard: warns, cuts the code out and still passes the question on', async () => {
    const r = await runStep(secretGuard(ctx), 'mã OTP là 582914, đổi bằng lái mất bao nhiêu tiền');
    expect(r.turn.before[0]!.text).toContain('không chia sẻ mã OTP');
    expect(r.passed).toBe(true);
    expect(r.turn.text).not.toContain('582914');
    expect(r.turn.folded).toContain('doi bang lai');
    const q = await runStep(secretGuard(ctx), 'mật khẩu VNeID là gì');
    expect(q.turn.before).toEqual([]);
    expect(q.passed).toBe(true);
  });

  it('language: an English message switches the session, a single word does not', async () => {
    expect((await runStep(languageSwitch(), 'how do I renew my passport')).turn.session.lang).toBe('en');
    expect((await runStep(languageSwitch(), 'visa')).turn.session.lang).toBe('vi');
  });

  it('global intents: a person from any phrasing opens a handoff; a greeting before a question is dropped', async () => {
    const h = await runStep(globalIntents(ctx), 'nhờ người thật tư vấn giúp');
    expect(h.passed).toBe(false);
    await Promise.all(h.turn.pending);
    expect(await stores.handoffs.openFor(h.turn.key)).toBeDefined();
    const g = await runStep(globalIntents(ctx), 'chào shop, cho hỏi làm lại cccd');
    expect(g.passed).toBe(true);
    expect(g.turn.folded).toBe('cho hoi lam lai cccd');
  });

  it('handoff relay: a waiting citizen is acknowledged once, then not interrupted', async () => {
    const chat = `relay${++n}`;
    const first = await openTurn(ctx, inbound('gặp cán bộ', chat));
    await globalIntents(ctx)(first, async () => []);
    await Promise.all(first.pending);
    const again = async (text: string) => {
      const turn = await openTurn(ctx, inbound(text, chat));
      return handoffRelay(ctx)(turn, async () => [{ text: 'NEXT' }]);
    };
    expect((await again('alo'))[0]!.text).toContain('Cán bộ đã nhận được');
    expect(await again('có ai không')).toEqual([]);
    expect((await stores.handoffs.openFor(first.key))!.transcript.slice(-2).map((m) => m.text)).toEqual(['alo', 'có ai không']);
  });

  it('active flow: a question inside an ask step is answered by later steps, then the step is shown again', async () => {
    const r = await runStep(activeFlow(ctx), 'trời hôm nay có mưa không', (t) => {
      t.save({ ...t.session, flowId: 'track-dossier', flowVersion: 1, stepId: 'ask_code', history: ['ask_code'] });
    });
    expect(r.passed).toBe(true);
    expect(r.turn.session.flowId).toBe('track-dossier');
    expect(r.turn.after[0]!.text).toContain('Quay lại việc đang làm');
  });

  it('offered pick: a number picks the offered procedure and answers what was asked about it', async () => {
    const r = await runStep(offeredPick(ctx), '2', (t) => t.save({ ...t.session, vars: { _offered: ['1.000894', '1.014064'], _asked: ['fee'] } }));
    expect(r.passed).toBe(false);
    expect(r.all).toContain('70.000 đồng');
    expect(r.all).toContain('Mã thủ tục: 1.014064');
  });

  it('procedure code: a known code shows that procedure, an unknown one is said to be unknown', async () => {
    expect((await runStep(procedureCode(ctx), 'thủ tục 1.001193 cần giấy tờ gì')).all).toContain('Giấy tờ cần chuẩn bị');
    expect((await runStep(procedureCode(ctx), '9.999999')).all).toContain('không có trong danh mục');
    expect((await runStep(procedureCode(ctx), 'đổi bằng lái')).passed).toBe(true);
  });

  it('triggers: the VNeID app named inside a birth registration question does not start the account flow', async () => {
    expect((await runStep(triggers(ctx), 'đăng ký khai sinh cho con trên VNeID')).passed).toBe(true);
    const flow = await runStep(triggers(ctx), 'đăng ký tài khoản vneid');
    expect(flow.passed).toBe(false);
    expect(flow.turn.session.flowId).toBe('register-vneid');
  });

  it('life event: a new baby gets the bundle, with the joint birth procedure first', async () => {
    const r = await runStep(lifeEvent(ctx), 'vợ tôi mới sinh em bé, cần làm giấy tờ gì');
    expect(r.replies[0]!.options![0]!.id).toBe('p:2.000986');
    expect((await runStep(lifeEvent(ctx), 'đăng ký khai sinh')).passed).toBe(true);
  });

  it('question over a procedure: the fee from the notes, never "Miễn phí", with the card after it', async () => {
    const r = await runStep(procedureQuestion(ctx), 'đổi bằng lái xe hết bao nhiêu tiền');
    expect(r.replies[0]!.text).toContain('135.000 đồng');
    expect(r.all).not.toContain('Miễn phí');
    expect(r.replies[1]!.link?.url).toMatch(/^https:\/\/dichvucong\.gov\.vn/);
    const noName = await runStep(procedureQuestion(ctx), 'lệ phí bao nhiêu');
    expect(noName.all).toContain('thủ tục nào');
  });

  it('search: an ambiguous abbreviation is asked back; a procedure name is offered', async () => {
    const tt = await runStep(search(ctx), 'tt');
    expect(tt.replies[0]!.options!.map((o) => o.label)).toEqual(['Đăng ký tạm trú', 'Đăng ký thường trú', 'Thanh toán phí, lệ phí']);
    const gplx = await runStep(search(ctx), 'gplx');
    expect(gplx.replies[0]!.options!.length).toBeGreaterThan(0);
  });

  it('fallback: out of scope is said honestly, with where to turn', async () => {
    const r = await runStep(fallback(ctx), 'mua vé tàu Hà Nội đi Sài Gòn');
    expect(r.replies[0]!.text).toContain('ngoài phạm vi');
    expect(r.replies[0]!.text).toContain('nhà ga');
  });
});

describe('concurrent turns', () => {
  it("one citizen's failed handoff write does not touch another citizen's answer", async () => {
    const s = await createMemoryStores();
    await seedFlows(s.flows, FLOWS_DIR, NOW, log);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const handoffs = {
      ...s.handoffs,
      openFor: s.handoffs.openFor.bind(s.handoffs),
      // The write fails, slowly, while the other citizen's turn runs.
      open: async () => {
        await gate;
        throw new Error('disk full');
      },
    };
    const router = createRouter({ flows: await createFlowRegistry(s.flows, log), searcher: () => searcher, sessions: s.sessions, handoffs, events: { emit: () => undefined }, now: () => NOW, config: testConfig(), log });
    const a = router.handle(inbound('gặp cán bộ', 'citizen-a'));
    const b = router.handle(inbound('làm lại căn cước', 'citizen-b'));
    const bReplies = await b;
    release();
    const aReplies = await a;
    expect(bReplies[0]!.options!.length).toBeGreaterThan(0);
    expect(bReplies.map((r) => r.text).join(' ')).not.toContain('sự cố');
    expect(aReplies[0]!.text).toContain('sự cố');
  });
});

describe('answers to yes/no menus', () => {
  it('reads "vâng", "ok", "dạ có" as the yes option and "thôi", "no" as the no option', async () => {
    const { matchOption } = await import('../../src/flow/options.js');
    const labels = ['Có, cho tôi xem', 'Không, cảm ơn'];
    const ids = ['o1', 'o2'];
    for (const yes of ['vâng', 'ok', 'dạ có', 'yes', 'có ạ']) expect(matchOption(yes, ids, labels), yes).toBe(0);
    for (const no of ['thôi', 'no', 'không ạ', 'ko']) expect(matchOption(no, ids, labels), no).toBe(1);
    expect(matchOption('2', ids, labels)).toBe(1);
    // Not a yes/no menu: "ok" picks nothing.
    expect(matchOption('ok', ['o1', 'o2'], ['Đăng ký mức độ 2', 'Đăng ký mức độ 1'])).toBe(-1);
  });
});

describe('deployment profile', () => {
  it('names the province one-stop desk, hotline and portal in "where" answers; national when unset', async () => {
    const s = await createMemoryStores();
    await seedFlows(s.flows, FLOWS_DIR, NOW, log);
    const config = testConfig({ PROVINCE: 'Thái Nguyên', PROVINCE_PORTAL_URL: 'https://dichvucong.thainguyen.gov.vn', SUPPORT_HOTLINE: '0208 3 855 555', ONE_STOP_ADDRESS: 'Trung tâm Phục vụ hành chính công tỉnh Thái Nguyên' });
    const router = createRouter({ flows: await createFlowRegistry(s.flows, log), searcher: () => searcher, sessions: s.sessions, handoffs: s.handoffs, events: { emit: () => undefined }, now: () => NOW, config, log });
    const replies = await router.handle(inbound('làm lại căn cước ở đâu'));
    const text = replies.map((r) => r.text).join('\n');
    expect(text).toContain('Trung tâm Phục vụ hành chính công tỉnh Thái Nguyên');
    expect(text).toContain('0208 3 855 555');
    expect(text).toContain('https://dichvucong.thainguyen.gov.vn');
    const national = await createRouter({ flows: await createFlowRegistry(s.flows, log), searcher: () => searcher, sessions: s.sessions, handoffs: s.handoffs, events: { emit: () => undefined }, now: () => NOW, config: testConfig(), log }).handle(inbound('làm lại căn cước ở đâu'));
    expect(national.map((r) => r.text).join('\n')).not.toContain('Bộ phận một cửa:');
  });

  it('refuses a hotline with letters at boot', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ SUPPORT_HOTLINE: 'call us' })).toThrow(/SUPPORT_HOTLINE/);
  });
});
