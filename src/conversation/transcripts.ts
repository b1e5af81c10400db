import { maskPII } from '../core/privacy.js';

export interface TranscriptLine {
  from: 'citizen' | 'bot';
  text: string;
  at: number;
}

/** The last messages of each conversation (masked), for handoff summaries and the funnel. */
export interface Transcripts {
  record(key: string, from: 'citizen' | 'bot', text: string, at: number): void;
  of(key: string): TranscriptLine[];
  lastBot(key: string): string | undefined;
}

export function createTranscripts(perConversation = 20, conversations = 20_000): Transcripts {
  const all = new Map<string, TranscriptLine[]>();
  return {
    record(key, from, text, at) {
      const list = all.get(key) ?? [];
      all.delete(key);
      list.push({ from, text: maskPII(text).slice(0, 500), at });
      if (list.length > perConversation) list.splice(0, list.length - perConversation);
      all.set(key, list);
      if (all.size > conversations) all.delete(all.keys().next().value as string);
    },
    of(key) {
      return (all.get(key) ?? []).map((m) => ({ ...m }));
    },
    lastBot(key) {
      return [...(all.get(key) ?? [])].reverse().find((m) => m.from === 'bot')?.text.slice(0, 300);
    },
  };
}
