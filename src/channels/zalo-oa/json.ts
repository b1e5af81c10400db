/**
 * Zalo ids (user, message, app) exceed 2^53 and may arrive as bare JSON numbers (ZALO_OA.md §3).
 * JSON.parse would round them before any reviver sees them, so integers of 16 digits or more
 * outside strings are quoted in the raw text first: every such id reaches the code as its exact
 * digits. Strings are skipped whole (escapes included); fractions and exponents are left alone.
 */
export function quoteBigIntegers(text: string): string {
  // One linear pass (a regex over strings could backtrack badly on hostile input).
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92 /* backslash */) i++;
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i + 1;
      let digitsOnly = true;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d >= 48 && d <= 57) continue;
        if (d === 46 /* . */ || d === 101 /* e */ || d === 69 /* E */ || d === 43 /* + */ || d === 45 /* - */) digitsOnly = false;
        else break;
      }
      if (digitsOnly && j - i - (c === 45 ? 1 : 0) >= 16) {
        out += text.slice(from, i) + `"${text.slice(i, j)}"`;
        from = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** JSON.parse with big integers kept as strings. Throws on malformed JSON. */
export function parseExact(text: string): unknown {
  return JSON.parse(quoteBigIntegers(text));
}

/** An id as a string: strings as they are, safe integers as digits; anything else undefined. */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 && v.length <= 64 ? v : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}
