import type { ChannelName } from '../core/message.js';

export const EVENT_TYPES = [
  'message_in',
  'flow_start',
  'step_enter',
  'flow_complete',
  'flow_abandon',
  'validation_error',
  'search',
  'search_miss',
  'handoff',
  'staff_reply',
  'csat',
  'containment',
  'secret_warning',
  'throttled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * One analytics event. Producers pass the raw channel user id in `user`; the event log
 * replaces it by a keyed hash and masks ID and phone numbers, dates, e-mail addresses and names
 * in `text` before anything is stored (core/privacy.ts `maskForAnalytics`).
 */
export interface AppEvent {
  type: EventType;
  at: number;
  channel: ChannelName;
  user: string;
  flowId?: string;
  stepId?: string;
  /** Only for search/search_miss (the query), validation_error (the hint shown), and the last message seen. */
  text?: string;
  /** Small numeric/string payload: csat score, yes/no, result count, procedure code. */
  data?: Record<string, string | number | boolean | null>;
}

export interface EventSink {
  emit(e: AppEvent): void;
}
