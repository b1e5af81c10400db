/**
 * The channel-neutral message model. Channel adapters (src/channels/<name>/) turn raw
 * updates into `Inbound` and render `Reply[]`; nothing else knows which messenger is used.
 */

export type ChannelName = 'web' | 'telegram' | 'zalo' | 'zalo-oa' | 'cli';

export type InboundKind = 'text' | 'image' | 'sticker' | 'voice' | 'unsupported' | 'command';

export interface Inbound {
  channel: ChannelName;
  /** Where replies go (Telegram chat id, Zalo chat id, web session id). */
  chatId: string;
  /** The citizen (same as chatId in private chats). */
  userId: string;
  /** Channel message id, used for de-duplication. */
  messageId: string;
  kind: InboundKind;
  text?: string;
  /** Epoch milliseconds. */
  at: number;
}

export interface ReplyOption {
  /** Stable id, short (fits Telegram's 64-byte callback data). */
  id: string;
  label: string;
}

export interface ReplyLink {
  label: string;
  url: string;
}

export interface Reply {
  text: string;
  options?: ReplyOption[];
  link?: ReplyLink;
}

export type Lang = 'vi' | 'en';

/** Conversation key: one session per channel + chat. */
export function sessionKey(channel: ChannelName, chatId: string): string {
  return `${channel}:${chatId}`;
}

/** What a citizen is told when a backend (PostgreSQL, Redis) cannot be reached: short, and at once. */
export const APOLOGY: Reply = {
  text:
    'Xin lỗi anh/chị, hệ thống đang tạm gián đoạn. Anh/chị vui lòng gửi lại tin nhắn sau ít phút.\n' +
    'Sorry, the service is briefly unavailable. Please send your message again in a few minutes.',
};
