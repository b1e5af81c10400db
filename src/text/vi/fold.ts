/**
 * Vietnamese text folding: NFD, drop combining marks U+0300–U+036F, đ/Đ → d, lower case,
 * punctuation to spaces. Search compares folded forms so "lam lai cccd" meets "Làm lại".
 */
export function fold(text: string): string {
  return stripMarks(text)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Lower case without diacritics (đ → d), punctuation kept: for rules that care where a sentence ends. */
export function stripMarks(text: string): string {
  return withoutMarks(text).toLowerCase();
}

/** Without diacritics, case kept ("Bắc Kạn" → "Bac Kan"): Vietnamese names in English text. */
export function withoutMarks(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .normalize('NFC');
}

/** True when `a` and `b` are at most one edit apart (insert, delete, substitute, swap two neighbours). */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** Lower-cased NFC words with diacritics kept (for preferring exact-accent matches). */
export function accentedTokens(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Folded tokens; numbers lose leading zeros ("02" = "2"). */
export function tokens(text: string): string[] {
  const f = fold(text);
  if (!f) return [];
  return f.split(' ').map((t) => (/^\d+$/.test(t) ? String(Number(t)) : t));
}

const VOWEL = /[aeiouy]/;

/**
 * Undoes leftover Telex/VNI keystrokes in one folded token, returning candidate plain
 * forms ("ddawng" → "dang", "kys" → "ky", "d9ang" → "dang", "ky1" → "ky"). The caller keeps a
 * candidate only if it is a known word, so English words like "pass" stay untouched.
 */
export function untypeToken(token: string): string[] {
  const out = new Set<string>();
  // VNI: digits 1–9 mixed into letters mark tones and letter shapes.
  if (/[a-z]/.test(token) && /[1-9]/.test(token) && !/^\d+$/.test(token)) out.add(token.replace(/[0-9]/g, ''));
  // Telex: doubled letters / w mark letter shapes; s f r x j after a vowel mark tones.
  let t = token
    .replace(/dd/g, 'd')
    .replace(/aw|aa/g, 'a')
    .replace(/ee/g, 'e')
    .replace(/oo|ow/g, 'o')
    .replace(/uw/g, 'u');
  t = t.replace(/([aeiouy][a-z]*?)[sfrxj]([a-z]*)$/, (_m, a: string, b: string) => a + b);
  t = t.replace(/(?<=[a-z])w(?=[a-z]|$)/g, '');
  if (t !== token && VOWEL.test(t)) out.add(t);
  // Tone letter typed at the very end only ("kys", "ddangf").
  const end = token.replace(/dd/g, 'd').replace(/(aw|aa)/g, 'a').replace(/ee/g, 'e').replace(/(oo|ow)/g, 'o').replace(/uw/g, 'u');
  if (/[sfrxj]$/.test(end)) out.add(end.slice(0, -1));
  if (end !== token) out.add(end);
  out.delete(token);
  return [...out];
}
