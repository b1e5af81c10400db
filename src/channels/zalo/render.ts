import type { Reply, ReplyOption } from '../../core/message.js';

export const ZALO_MAX = 2000;

/**
 * Zalo has no buttons: options become a numbered menu ("1. …"), links become "label: url",
 * and text longer than 2,000 characters is split on line, then sentence, then word boundaries.
 */
export function renderReply(r: Reply): { texts: string[]; options: ReplyOption[] } {
  let text = r.text;
  if (r.link) text += `\n${r.link.label}: ${r.link.url}`;
  if (r.options?.length) text += '\n' + r.options.map((o, i) => `${i + 1}. ${o.label}`).join('\n') + '\n(Gõ số thứ tự để chọn)';
  return { texts: splitText(text, ZALO_MAX), options: r.options ?? [] };
}

export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf('\n');
    if (cut < max * 0.5) {
      const sentence = Math.max(window.lastIndexOf('. '), window.lastIndexOf('? '), window.lastIndexOf('! '));
      cut = sentence >= max * 0.5 ? sentence + 1 : window.lastIndexOf(' ');
    }
    if (cut <= 0) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}
