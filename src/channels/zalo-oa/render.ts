import type { Reply } from '../../core/message.js';
import { splitText } from '../zalo/index.js';
import type { OaButton, OaMessage } from './client.js';

/** Longest text of one OA message (ZALO_OA.md §4). */
export const OA_TEXT_MAX = 2000;
/** Buttons under one message: Zalo's maximum is not documented (UNCERTAIN); integrators show up to 5. */
export const OA_BUTTONS_MAX = 5;
/** Button titles are clipped to this length; the payload keeps the whole label. */
const TITLE_MAX = 100;
/** Text above buttons that did not fit under the previous message. */
const MORE_OPTIONS = 'Các lựa chọn khác / More options:';

const title = (s: string) => (s.length > TITLE_MAX ? s.slice(0, TITLE_MAX - 1) + '…' : s);

/** Options as `oa.query.show` buttons (a click comes back as the label, as if typed), a link as `oa.open.url`. */
function buttonsOf(r: Reply): OaButton[] {
  const out: OaButton[] = (r.options ?? []).map((o) => ({ title: title(o.label), type: 'oa.query.show', payload: o.label }));
  if (r.link) out.push({ title: title(r.link.label), type: 'oa.open.url', payload: { url: r.link.url } });
  return out;
}

function message(text: string, buttons: OaButton[]): OaMessage {
  return buttons.length ? { text, attachment: { type: 'template', payload: { buttons } } } : { text };
}

/**
 * A turn's replies as few OA messages as the rules allow: each message counts against the
 * citizen's 8 free replies. Texts are joined (blank line between) while they fit in 2,000
 * characters; buttons end a message, since the next reply's text would read below them. A text
 * too long is split on line, sentence, then word boundaries; buttons beyond the maximum follow in
 * further messages.
 */
export function renderTurn(replies: Reply[]): OaMessage[] {
  const out: OaMessage[] = [];
  let text = '';
  let open = false;
  const flush = (buttons: OaButton[] = []) => {
    if (!open && !buttons.length) return;
    out.push(message(text || MORE_OPTIONS, buttons.slice(0, OA_BUTTONS_MAX)));
    for (let i = OA_BUTTONS_MAX; i < buttons.length; i += OA_BUTTONS_MAX) out.push(message(MORE_OPTIONS, buttons.slice(i, i + OA_BUTTONS_MAX)));
    text = '';
    open = false;
  };
  for (const r of replies) {
    const parts = r.text.trim() ? splitText(r.text, OA_TEXT_MAX) : [];
    const buttons = buttonsOf(r);
    for (const part of parts) {
      if (open && text.length + 2 + part.length <= OA_TEXT_MAX) text += `\n\n${part}`;
      else {
        flush();
        text = part;
        open = true;
      }
    }
    // Buttons go under the text before them (a reply of buttons only: under the previous text).
    if (buttons.length) flush(buttons);
  }
  flush();
  return out;
}
