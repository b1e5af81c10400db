import { clip } from '../core/clip.js';
import type { Reply } from '../core/message.js';
import { maskPII } from '../core/privacy.js';
import type { TranscriptLine, TranscriptStore } from '../store/types.js';

export type { TranscriptLine };

/** A line as the router hands it over: raw text, masked and clipped here. */
export interface TurnLine {
  from: 'citizen' | 'bot';
  text: string;
  at: number;
  options?: Reply['options'];
}

/** The last messages of each conversation (masked), for handoff summaries and the funnel. */
export interface Transcripts {
  /** The stored lines of a conversation (read once when a turn opens). */
  load(key: string): Promise<TranscriptLine[]>;
  /** Records one turn's lines, in order. */
  record(key: string, lines: TurnLine[]): Promise<void>;
}

const stored = (l: TurnLine): TranscriptLine => ({
  from: l.from,
  text: clip(maskPII(l.text), 500),
  at: l.at,
  ...(l.from === 'bot' && l.options?.length ? { options: l.options.map((o) => ({ id: o.id.slice(0, 100), label: clip(o.label, 100) })) } : {}),
});

export function createTranscripts(store: TranscriptStore): Transcripts {
  return {
    load: (key) => store.of(key),
    record: (key, lines) => store.append(key, lines.map(stored)),
  };
}

/**
 * Lines as staff read them: a citizen line that is one of the option ids the bot showed just
 * before (a button press sends `o2` or `p:1.014064`) reads as the button's label, the words the
 * citizen saw. `pending` are this turn's lines, not recorded yet.
 */
export function readable(lines: TranscriptLine[], pending: TurnLine[] = []): Omit<TranscriptLine, 'options'>[] {
  let offered: { id: string; label: string }[] = [];
  return [...lines, ...pending.map(stored)].map(({ from, text, at, options }) => {
    let shown = text;
    if (from === 'citizen') {
      shown = offered.find((o) => o.id === text.trim())?.label ?? text;
      offered = [];
    } else if (options) offered.push(...options);
    return { from, text: shown, at };
  });
}

/** The bot's last line (the question a citizen left a flow at). */
export function lastBot(lines: TranscriptLine[]): string | undefined {
  return [...lines].reverse().find((m) => m.from === 'bot')?.text.slice(0, 300);
}
