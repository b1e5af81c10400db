/**
 * A small typed client for the Zalo Bot API (no SDK exists): POST {base}/bot{TOKEN}/{method}
 * with a JSON body; every answer is {ok, result?, description?, error_code?}. The token sits
 * in the URL path, so it never appears in errors or logs.
 */

export interface ZaloUser {
  id: string;
  display_name?: string;
  is_bot?: boolean;
}

export interface ZaloMessage {
  from?: ZaloUser;
  chat?: { id: string; chat_type?: string };
  text?: string;
  photo?: string;
  photo_url?: string;
  caption?: string;
  sticker?: string;
  voice_url?: string;
  message_id?: string;
  date?: number;
}

export interface ZaloUpdate {
  event_name?: string;
  message?: ZaloMessage;
}

export class ZaloApiError extends Error {
  constructor(
    public readonly method: string,
    public readonly errorCode: number,
    public readonly description: string,
  ) {
    super(`Zalo Bot API ${method} failed: ${errorCode} ${description}`);
    this.name = 'ZaloApiError';
  }
}

export interface ZaloClient {
  getMe(): Promise<{ id: string; account_name?: string }>;
  /** One update, or null when the long poll ended empty (408). */
  getUpdates(timeoutSeconds: number, signal?: AbortSignal): Promise<ZaloUpdate | null>;
  setWebhook(url: string, secretToken: string): Promise<unknown>;
  deleteWebhook(): Promise<unknown>;
  getWebhookInfo(): Promise<{ url: string }>;
  sendMessage(chatId: string, text: string): Promise<{ message_id?: string }>;
  sendPhoto(chatId: string, photo: string, caption?: string): Promise<{ message_id?: string }>;
  sendChatAction(chatId: string, action?: 'typing'): Promise<unknown>;
}

export function createZaloClient(base: string, token: string, fetchTimeoutMs = 30_000): ZaloClient {
  async function call<T>(method: string, body: Record<string, unknown>, timeoutMs = fetchTimeoutMs, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${base}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (err) {
      // Network errors carry the URL (and so the token) in some runtimes: say only what failed.
      throw new ZaloApiError(method, 0, (err as Error).name === 'TimeoutError' ? 'timeout' : 'network error');
    }
    let data: { ok?: boolean; result?: T; description?: string; error_code?: number };
    try {
      data = (await res.json()) as typeof data;
    } catch {
      throw new ZaloApiError(method, res.status, 'response is not JSON');
    }
    if (!data.ok) throw new ZaloApiError(method, data.error_code ?? res.status, String(data.description ?? 'unknown error').slice(0, 200));
    return data.result as T;
  }
  return {
    getMe: () => call('getMe', {}),
    async getUpdates(timeoutSeconds, signal) {
      try {
        return await call<ZaloUpdate>('getUpdates', { timeout: String(timeoutSeconds) }, (timeoutSeconds + 5) * 1000, signal);
      } catch (err) {
        if (err instanceof ZaloApiError && err.errorCode === 408) return null;
        throw err;
      }
    },
    setWebhook: (url, secret_token) => call('setWebhook', { url, secret_token }),
    deleteWebhook: () => call('deleteWebhook', {}),
    getWebhookInfo: () => call('getWebhookInfo', {}),
    sendMessage: (chat_id, text) => call('sendMessage', { chat_id, text }),
    sendPhoto: (chat_id, photo, caption) => call('sendPhoto', { chat_id, photo, ...(caption ? { caption } : {}) }, 60_000),
    sendChatAction: (chat_id, action = 'typing') => call('sendChatAction', { chat_id, action }),
  };
}
