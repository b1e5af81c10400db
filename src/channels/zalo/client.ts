import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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

/** Keep-alive connections: a chat server sends many small requests to one host. */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

export function createZaloClient(base: string, token: string, callTimeoutMs = 30_000): ZaloClient {
  const url = new URL(base);
  const secure = url.protocol === 'https:';
  const prefix = url.pathname.replace(/\/+$/, '');

  function call<T>(method: string, body: Record<string, unknown>, timeoutMs = callTimeoutMs, signal?: AbortSignal): Promise<T> {
    const payload = JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      // Errors never include the URL: the token is part of its path.
      const fail = (code: number, why: string) => reject(new ZaloApiError(method, code, why));
      const req = (secure ? httpsRequest : httpRequest)(
        {
          host: url.hostname,
          port: url.port || (secure ? 443 : 80),
          path: `${prefix}/bot${token}/${method}`,
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          ...(signal ? { signal } : {}),
        },
        (res) => {
          let raw = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (raw += c));
          res.on('error', () => fail(0, 'network error'));
          res.on('end', () => {
            let data: { ok?: boolean; result?: T; description?: string; error_code?: number };
            try {
              data = JSON.parse(raw) as typeof data;
            } catch {
              return fail(res.statusCode ?? 0, 'response is not JSON');
            }
            if (!data.ok) return fail(data.error_code ?? res.statusCode ?? 0, String(data.description ?? 'unknown error').slice(0, 200));
            resolve(data.result as T);
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
      req.on('error', (err) => fail(0, err.name === 'TimeoutError' ? 'timeout' : 'network error'));
      req.end(payload);
    });
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
