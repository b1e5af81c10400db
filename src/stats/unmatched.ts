import { fold } from '../text/vi/fold.js';
import { isYesOrNo } from '../flow/options.js';

/** Short replies that acknowledge or greet; never a question about a procedure. */
const ACKNOWLEDGEMENTS = new Set([
  'ok', 'oke', 'okie', 'okay', 'okela', 'uh', 'uhm', 'um', 'u', 'uk', 'uki', 'ukm', 'vang', 'da', 'roi', 'duoc', 'dc', 'r', 'oki',
  'cam on', 'camon', 'cam on a', 'cam on nhe', 'cam on ban', 'thanks', 'thank you', 'thank', 'thx', 'tks', 'ty',
  'hi', 'hello', 'alo', 'chao', 'xin chao', 'chao ban', 'hihi', 'hehe', 'haha', 'hic', 'huhu', 'a', 'ah', 'oh', 'o', 'vay a', 'the a',
]);

/**
 * Messages that are not questions, so never "unmatched": numbers (a menu choice typed after the
 * menu went away), yes/no answers, one-word acknowledgements, and messages with no words at all.
 */
export function isNotAQuestion(text: string): boolean {
  const f = fold(text);
  if (!f) return true;
  if (/^[\d ]+$/.test(f)) return true;
  return ACKNOWLEDGEMENTS.has(f) || isYesOrNo(text);
}
