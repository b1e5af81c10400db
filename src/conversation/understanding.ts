import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fold } from '../text/vi/fold.js';
import { findPhrase, onlyFillers, phraseSet, removePhrases, type PhraseSet } from './phrases.js';

/** Global intents that work from anywhere in a conversation. */
export type Intent = 'human' | 'cancel' | 'back' | 'menu' | 'help' | 'greeting' | 'thanks' | 'bot' | 'langEn' | 'langVi';
/** What a question over a procedure asks about. */
export type QuestionKind = 'fee' | 'documents' | 'where' | 'duration' | 'online' | 'result' | 'code';

const list = z.array(z.string().min(1));
const bilingual = z.object({ vi: z.string().min(1), en: z.string().min(1) });
const fileSchema = z.object({
  fillers: list,
  intents: z.object({
    human: z.object({ nouns: list, verbs: list, whole: list }),
    cancel: list,
    changeMind: list,
    back: list,
    menu: list,
    help: list,
    greeting: list,
    thanks: list,
    bot: list,
    langEn: list,
    langVi: list,
  }),
  questions: z.object({ fee: list, documents: list, where: list, duration: list, online: list, result: list, code: list.default([]) }),
  ambiguous: z.array(z.object({ token: z.string().min(1), resolvedBy: list, choices: z.array(bilingual.extend({ query: z.string().min(2) })).min(2) })),
  outOfScope: z.array(z.object({ id: z.string(), words: list, where: bilingual })),
  /** Regional and chat spellings rewritten on the folded text ("tui" → "toi", "đi mô" → "ở đâu"): [regex, replacement]. */
  dialect: z.array(z.tuple([z.string().min(1), z.string()])).default([]),
  /** Asking for the one-stop desk, the hotline or the portal itself. */
  contact: list.default([]),
});
export type UnderstandingData = z.infer<typeof fileSchema>;

export interface Ambiguity {
  token: string;
  choices: { vi: string; en: string; query: string }[];
}

/** Compiled phrase tables: the router's reading of a message beyond procedure names. */
export interface Understanding {
  /** A global intent when the message is (almost) only that intent. */
  intent(folded: string): Intent | null;
  /** "thôi, tôi muốn hỏi …": the rest of the message after a change-of-mind opener, or null. */
  changeOfMind(folded: string): string | null;
  /** "thôi bỏ đi, không … nữa": a change of mind that asks for nothing else. */
  giveUp(folded: string): boolean;
  /** A greeting or thanks opening a longer message: the rest, or null when there is none. */
  afterGreeting(folded: string): string | null;
  /** Question kinds asked, and the message with the question words taken out (the procedure part). */
  question(folded: string): { kinds: QuestionKind[]; rest: string };
  /** An abbreviation that means several things, typed without a word that settles which. */
  ambiguity(folded: string): Ambiguity | null;
  /** A topic the assistant does not cover, with where to turn. */
  outOfScope(folded: string): { id: string; where: { vi: string; en: string } } | null;
  /** Regional and chat spellings in their common form ("tốn bi nhiêu dzậy" → "ton bao nhieu vay"). */
  normalize(folded: string): string;
  /** Filler words taken off both ends ("ý tôi là cấp lại căn cước không ạ" → "cấp lại căn cước"). */
  trimLead(folded: string): string;
  /** Asks where the one-stop desk is, the hotline or the portal's address (not about a procedure). */
  asksContact(folded: string): boolean;
  /** Filler words removed ("ạ", "ad ơi", "cho em hỏi"). */
  content(folded: string): string;
}

/** Fillers that may be taken off the end of a question: only those that cannot end a procedure's name ("nhà" in "xây nhà" folds to a filler). */
const TAIL = new Set(['khong', 'ko', 'k', 'kg', 'hong', 'a', 'vay', 'nhe', 'nhen', 'ne', 'ha', 'nhi', 'chu', 'di', 'roi', 'duoc khong', 'dc khong', 'khong a', 'duoc', 'dc', 'please', 'pls', 'chau', 'em', 'ad', 'a oi', 'chau oi', 'em oi', 'ad oi', 'shop', 'rua', 'ri', 'hi', 'te', 'mo', 'hen', 'nghen', 'vay em', 'vay a', 'thi sao']);

/** Fillers that also begin procedure names once folded ("bản sao", "con nuôi", "thẻ"): never taken off the start. */
const KEEP_LEAD = new Set(['ban', 'con', 'the', 'thi', 'nha', 've', 'duoc', 'khong', 'co', 'chi', 'em']);

const DATA = new URL('../../data/conversation.json', import.meta.url);
const QUESTION_KINDS: QuestionKind[] = ['fee', 'documents', 'where', 'duration', 'online', 'result', 'code'];

export function loadUnderstanding(path: URL | string = DATA): Understanding {
  return compileUnderstanding(fileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))));
}

export function compileUnderstanding(data: UnderstandingData): Understanding {
  const fillers = phraseSet(data.fillers);
  const sets = {
    cancel: phraseSet(data.intents.cancel),
    back: phraseSet(data.intents.back),
    menu: phraseSet(data.intents.menu),
    help: phraseSet(data.intents.help),
    greeting: phraseSet(data.intents.greeting),
    thanks: phraseSet(data.intents.thanks),
    bot: phraseSet(data.intents.bot),
    langEn: phraseSet(data.intents.langEn),
    langVi: phraseSet(data.intents.langVi),
  } satisfies Partial<Record<Intent, PhraseSet>>;
  const changeMind = phraseSet(data.intents.changeMind);
  const humanNouns = phraseSet(data.intents.human.nouns);
  const humanVerbs = phraseSet(data.intents.human.verbs);
  const humanWhole = phraseSet(data.intents.human.whole);
  // Every question phrase with its kind, longest first: "bao nhiêu ngày" is a duration, not a fee.
  const questions = QUESTION_KINDS.flatMap((k) => phraseSet(data.questions[k]).phrases.map((p) => [p, k] as const)).sort(
    (a, b) => b[0].split(' ').length - a[0].split(' ').length || b[0].length - a[0].length,
  );
  const ambiguous = data.ambiguous.map((a) => ({ ...a, token: fold(a.token), resolvedBy: new Set(a.resolvedBy.map(fold)) }));
  const outOfScope = data.outOfScope.map((o) => ({ id: o.id, where: o.where, words: phraseSet(o.words) }));

  /** The whole message is this phrase set plus fillers. */
  const whole = (folded: string, set: PhraseSet) => findPhrase(folded, set) !== null && onlyFillers(removePhrases(folded, set), fillers);

  const wantsHuman = (folded: string): boolean => {
    if (whole(folded, humanWhole)) return true;
    const noun = findPhrase(folded, humanNouns);
    if (!noun) return false;
    // "tôi là cán bộ xã" describes the citizen, not a request.
    if (/\b(toi|em|minh) la (can bo|nhan vien)\b/.test(folded)) return false;
    // A verb shortly before the person ("muốn nói chuyện với cán bộ", "let me speak to someone").
    const before = folded.slice(0, noun.start).trim().split(' ').slice(-4).join(' ');
    if (findPhrase(before, humanVerbs)) return true;
    // Or the person and fillers only ("cán bộ ơi").
    return onlyFillers(removePhrases(folded, humanNouns), fillers);
  };

  const contact = phraseSet(data.contact);
  const dialect = data.dialect.map(([re, to]) => [new RegExp(re, 'g'), to] as const);
  /** In a long message only an explicit request counts: a verb right before the person ("… cho tôi nói chuyện trực tiếp với cán bộ"). */
  const asksForPerson = (folded: string): boolean => {
    const padded = ` ${folded} `;
    return humanNouns.phrases.some((n) => {
      const i = padded.indexOf(` ${n} `);
      if (i < 0) return false;
      const before = padded.slice(0, i).trim().split(' ').slice(-5).join(' ');
      return /\b(noi chuyen|gap|trao doi|ket noi|lien he|speak|talk)\b/.test(before) && !/\b(toi|em|minh) la (can bo|nhan vien)\b/.test(folded);
    });
  };
  const u: Understanding = {
    normalize(folded) {
      return dialect.reduce((s, [re, to]) => s.replace(re, to), folded).replace(/\s+/g, ' ').trim();
    },
    intent(folded) {
      if (!folded) return null;
      const words = folded.split(' ').length;
      if (words <= 14 ? wantsHuman(folded) : asksForPerson(folded)) return 'human';
      for (const name of ['langEn', 'langVi', 'cancel', 'back', 'menu', 'bot', 'help', 'thanks', 'greeting'] as const) {
        if (whole(folded, sets[name])) return name;
      }
      return null;
    },
    changeOfMind(folded) {
      const m = findPhrase(folded, changeMind);
      if (!m || m.start > 1) return null;
      const rest = ` ${folded} `.slice(m.end + 1).trim();
      // "thôi" in "thời tiết", "thời gian" is another word once folded.
      if (/^(tiet|gian|han|hieu|diem|ky|vu|trang|su)\b/.test(rest)) return null;
      return u.content(rest).split(' ').filter(Boolean).length >= 2 ? rest : null;
    },
    giveUp(folded) {
      // "thôi bỏ đi, không góp ý nữa", "thôi khỏi, không tra nữa": a "no … any more" is a plain cancel
      // ("không tra được nữa" is a complaint, not a cancel).
      if (folded.split(' ').length > 10 || !/\b(khong|ko|k|chua|hong|hem)\b/.test(folded) || !/\bnua\b/.test(folded) || /\bduoc\b/.test(folded)) return false;
      const m = findPhrase(folded, changeMind) ?? findPhrase(folded, sets.cancel);
      return (m !== null && m.start <= 1) || /^(khong|ko|chua|hong|hem) /.test(folded);
    },
    afterGreeting(folded) {
      for (const set of [sets.greeting, sets.thanks]) {
        const m = findPhrase(folded, set);
        if (!m || m.start > 1) continue;
        const rest = ` ${folded} `.slice(m.end + 1).trim();
        if (u.content(rest)) return rest;
      }
      return null;
    },
    question(folded) {
      const kinds = new Set<QuestionKind>();
      let padded = ` ${folded} `;
      for (const [phrase, kind] of questions) {
        const needle = ` ${phrase} `;
        if (!padded.includes(needle)) continue;
        kinds.add(kind);
        while (padded.includes(needle)) padded = padded.replace(needle, ' ');
      }
      return { kinds: QUESTION_KINDS.filter((k) => kinds.has(k)), rest: padded.trim().replace(/\s+/g, ' ') };
    },
    ambiguity(folded) {
      const words = folded.split(' ');
      for (const a of ambiguous) {
        if (!words.includes(a.token)) continue;
        if (words.some((w) => a.resolvedBy.has(w))) continue;
        // Only when the message is short: the abbreviation is what the citizen is asking about.
        if (u.content(folded).split(' ').length > 4) continue;
        return { token: a.token, choices: a.choices };
      }
      return null;
    },
    outOfScope(folded) {
      for (const o of outOfScope) if (findPhrase(folded, o.words)) return { id: o.id, where: o.where };
      return null;
    },
    trimLead(folded) {
      // Fillers at either end ("ý tôi là …", "… không ạ") are taken off; the middle is left alone.
      let words = folded.split(' ').filter(Boolean);
      const ends = fillers.phrases.map((p) => p.split(' '));
      for (let changed = true; changed && words.length; ) {
        changed = false;
        for (const f of ends) {
          if (f.length < words.length && !(f.length === 1 && KEEP_LEAD.has(f[0]!)) && f.every((w, i) => words[i] === w)) {
            words = words.slice(f.length);
            changed = true;
            break;
          }
          if (f.length < words.length && TAIL.has(f.join(' ')) && f.every((w, i) => words[words.length - f.length + i] === w)) {
            words = words.slice(0, words.length - f.length);
            changed = true;
            break;
          }
        }
      }
      return words.join(' ');
    },
    asksContact(folded) {
      return findPhrase(folded, contact) !== null;
    },
    content(folded) {
      return removePhrases(folded, fillers);
    },
  };
  return u;
}
