import { clip } from '../core/clip.js';
import type { Reply } from '../core/message.js';
import { maskPII } from '../core/privacy.js';

export interface TranscriptLine {
  from: 'citizen' | 'bot';
  text: string;
  at: number;
}

/** The last messages of each conversation (masked), for handoff summaries and the funnel. */
export interface Transcripts {
  /**
   * Bot lines pass the options they showed; a citizen line that is one of those option ids
   * (a button press sends `o2` or `p:1.014064`) is kept as the button's label, the words
   * the citizen saw.
   */
  record(key: string, from: 'citizen' | 'bot', text: string, at: number, options?: Reply['options']): void;
  of(key: string): TranscriptLine[];
  lastBot(key: string): string | undefined;
}

interface Conversation {
  lines: TranscriptLine[];
  /** Options of the bot's replies since the citizen last spoke. */
  offered: { id: string; label: string }[];
}

export function createTranscripts(perConversation = 20, conversations = 20_000): Transcripts {
  const all = new Map<string, Conversation>();
  return {
    record(key, from, text, at, options) {
      const c = all.get(key) ?? { lines: [], offered: [] };
      all.delete(key);
      let shown = text;
      if (from === 'citizen') {
        shown = c.offered.find((o) => o.id === text.trim())?.label ?? text;
        c.offered = [];
      } else if (options?.length) c.offered.push(...options);
      c.lines.push({ from, text: clip(maskPII(shown), 500), at });
      if (c.lines.length > perConversation) c.lines.splice(0, c.lines.length - perConversation);
      all.set(key, c);
      if (all.size > conversations) all.delete(all.keys().next().value as string);
    },
    of(key) {
      return (all.get(key)?.lines ?? []).map((m) => ({ ...m }));
    },
    lastBot(key) {
      return [...(all.get(key)?.lines ?? [])].reverse().find((m) => m.from === 'bot')?.text.slice(0, 300);
    },
  };
}
