import { detectLanguage } from '../language.js';
import type { Middleware } from '../turn.js';

/**
 * Replies follow the language the citizen writes in: a message clearly in English (or clearly
 * Vietnamese) switches the session before anything answers it. One word, a number or a code
 * never switches.
 */
export function languageSwitch(): Middleware {
  return async (turn, next) => {
    const lang = detectLanguage(turn.text);
    if (lang && lang !== turn.session.lang) turn.save({ ...turn.session, lang });
    return next();
  };
}
