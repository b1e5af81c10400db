import { fold, tokens } from '../text/vi/fold.js';

const YES_WORDS = 'co|vang|da|u|uh|um|ok|oke|okay|yes|yeah|yep|sure|dung|dong y|duoc|co chu|co a|da co|vang a|da vang|dung roi|chuan';
const NO_WORDS = 'khong|ko|k|kg|no|nope|chua|thoi|khong can|khong a|da khong|thoi khoi|no thanks';
/** Whole answers that mean yes / no, and the labels that offer yes / no. */
const YES = [new RegExp(`^(${YES_WORDS})( a| nhe| nha| roi| ad| em)?$`), /^(co|yes|vang|dong y|xem|show)\b/] as const;
const NO = [new RegExp(`^(${NO_WORDS})( a| nhe| nha| cam on| thanks| ad| em)?$`), /^(khong|no|thoi)\b/] as const;

/** A whole answer that means yes or no ("có", "vâng ạ", "ko", "no thanks"). */
export function isYesOrNo(answer: string): boolean {
  const a = fold(answer);
  return YES[0].test(a) || NO[0].test(a);
}

/**
 * Which option a citizen's answer selects: the number ("2"), the option id, the label, or a
 * close fuzzy match of the label (diacritics ignored, most label words present). -1 = none.
 */
export function matchOption(answer: string, ids: string[], labels: string[]): number {
  const a = fold(answer);
  if (!a) return -1;
  if (/^\d{1,2}$/.test(a)) {
    const n = Number(a);
    return n >= 1 && n <= labels.length ? n - 1 : -1;
  }
  const byId = ids.indexOf(answer.trim());
  if (byId >= 0) return byId;
  const folded = labels.map(fold);
  const exact = folded.indexOf(a);
  if (exact >= 0) return exact;
  // "có" / "không": the first word of exactly one label.
  const firstWord = folded.map((l) => l.split(' ')[0]);
  if (!a.includes(' ') && firstWord.filter((w) => w === a).length === 1) return firstWord.indexOf(a);
  // "vâng", "ok", "dạ có", "yes" / "thôi", "no": the one option that says yes (or no).
  for (const [answers, starts] of [YES, NO] as const) {
    if (!answers.test(a)) continue;
    const hits = folded.map((l, i) => (starts.test(l) ? i : -1)).filter((i) => i >= 0);
    if (hits.length === 1) return hits[0]!;
  }
  const words = new Set(tokens(answer));
  let best = -1;
  let bestScore = 0;
  folded.forEach((label, i) => {
    const lw = label.split(' ').filter((w) => w.length > 1);
    if (!lw.length) return;
    // Words the citizen typed that the label lacks mean another request ("đăng ký khai sinh" is not
    // "Đăng ký lại khai tử"): at most one such word, and only in a longer answer.
    const labelWords = new Set(lw);
    const foreign = [...words].filter((w) => w.length > 1 && !labelWords.has(w)).length;
    if (foreign > (words.size >= 4 ? 1 : 0)) return;
    const hit = lw.filter((w) => words.has(w)).length / lw.length;
    const contained = label.includes(a) && a.length >= 3 ? 0.75 : 0;
    const score = Math.max(hit, contained);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return bestScore >= 0.6 ? best : -1;
}
