import type { Procedure } from '../catalogue/procedure.js';
import type { Searcher, SearchOutcome } from '../catalogue/types.js';
import { describeFees } from '../catalogue/fees.js';
import { presenceRequired } from '../catalogue/where.js';
import type { Lang, Reply } from '../core/message.js';
import { procedureCard } from '../catalogue/card.js';
import { matchOption } from './options.js';

/**
 * "Offer procedures and let the citizen pick": the one place that lists search results as
 * options, remembers what was offered (codes only, in the session vars) and reads the pick back,
 * by number, by label or by the option id. The router and the flows' `lookup` step both use it.
 */

/** Session var: codes of the procedures last offered. */
export const OFFERED = '_offered';
/** Session var: what the citizen asked about them (fee, documents …), answered once they pick. */
export const ASKED = '_asked';

const label = (p: Procedure) => (p.name.length > 120 ? p.name.slice(0, 117) + '…' : p.name);

/** The options reply for search results; stores the offer in `vars`. */
export function offerProcedures(vars: Record<string, unknown>, procs: readonly Procedure[], text: string, asked: readonly string[] = []): Reply {
  vars[OFFERED] = procs.map((p) => p.code);
  if (asked.length) vars[ASKED] = [...asked];
  else delete vars[ASKED];
  return { text, options: procs.map((p) => ({ id: `p:${p.code}`, label: label(p) })) };
}

/** The line above a list: a short question when the first results differ in what matters. */
export function offerIntro(outcome: SearchOutcome, lang: Lang, fallback: { vi: string; en: string }): string {
  return outcome.clarify ? outcome.clarify.question[lang] : fallback[lang];
}

/** The offered procedure the citizen's answer picks ("2", its name, or the button id), if any. */
export function pickOffered(vars: Record<string, unknown>, text: string, searcher: Searcher): Procedure | undefined {
  const offered = Array.isArray(vars[OFFERED]) ? (vars[OFFERED] as unknown[]).map(String) : [];
  const procs = offered.map((c) => searcher.get(c)).filter((p) => p !== undefined);
  if (procs.length) {
    const k = matchOption(text, procs.map((p) => `p:${p.code}`), procs.map((p) => p.name));
    if (k >= 0) return procs[k];
  }
  // A button of an older list, still on screen.
  const m = /^p:(\d{1,2}\.\d{6}(?:\.[A-Za-z0-9]+)*)$/.exec(text.trim());
  return m ? searcher.get(m[1]!) : undefined;
}

/** What was asked with the offer (and forgets the offer). */
export function takeOffer(vars: Record<string, unknown>): string[] {
  const asked = Array.isArray(vars[ASKED]) ? (vars[ASKED] as unknown[]).map(String) : [];
  delete vars[OFFERED];
  delete vars[ASKED];
  return asked;
}

/**
 * The `procedure` variable flows read: what the submit guide needs to be tailored (online or not,
 * whether the citizen must come in person, whether there is a fee, a postal channel).
 */
export function procedureVar(p: Procedure, now: number): Record<string, string | boolean | null> {
  const fees = describeFees(p, { now, lang: 'vi' });
  return {
    code: p.code,
    name: p.name,
    url: p.url ?? 'https://dichvucong.gov.vn',
    online: p.online === 'full' ? 'full' : p.onlineSubmission ? 'yes' : 'no',
    presence: presenceRequired(p),
    free: fees.free ? true : fees.amounts.length || fees.setByProvince ? false : null,
    post: p.channels.some((c) => /bưu chính/i.test(c.channel)),
  };
}

/** The procedure card with its level copies named. */
export function cardFor(p: Procedure, lang: Lang, searcher: Searcher, now: number): Reply {
  const variants = searcher.variantsOf(p.code).map((c) => searcher.get(c)).filter((v) => v !== undefined);
  return procedureCard(p, lang, variants, now);
}
