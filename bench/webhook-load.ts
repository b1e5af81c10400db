import { openLoop, webhookPoster } from './load.js';
import { parentPort, workerData } from 'node:worker_threads';
import { startFakeTelegram } from '../test/fakes/telegram.js';

/**
 * The load side of the webhook-start bench, in its own thread so that it does not take the
 * server's event loop: the fake Telegram Bot API (receiving the replies) and the client posting
 * webhook deliveries at a fixed rate. Talks to the bench over the worker port:
 * → { ready, apiRoot, token }; ← { go, port }; → { done, samples, total, elapsedS }.
 */

export interface LoadPlan {
  rate: number;
  seconds: number;
  chats: number;
  secret: string;
  /** Text of message i from chat `chat` (see startText in webhook.ts), precomputed per chat turn. */
  texts: string[][];
}

const plan = workerData as LoadPlan;
const port0 = parentPort!;
const tg = await startFakeTelegram();
tg.record = false;
const pending = new Map<string, number[]>();
const samples: { at: number; ms: number }[] = [];
tg.onCall = (method, body) => {
  if (method !== 'sendMessage') return;
  // A message may get several replies: the first one answers the oldest unanswered message.
  const t = pending.get(String(body.chat_id))?.shift();
  if (t !== undefined) samples.push({ at: t, ms: performance.now() - t });
};
port0.postMessage({ ready: true, apiRoot: tg.apiRoot, token: tg.token });

port0.once('message', async ({ port }: { port: number }) => {
  const poster = webhookPoster(port, '/telegram/webhook', () => ({ 'x-telegram-bot-api-secret-token': plan.secret }));
  const total = Math.round(plan.rate * plan.seconds);
  const start = await openLoop(total, plan.rate, (i) => {
    const c = i % plan.chats;
    const chat = 200_000 + c;
    const turn = Math.floor(i / plan.chats);
    const text = plan.texts[c]![turn % plan.texts[c]!.length]!;
    const body = JSON.stringify({ update_id: i + 1, message: { message_id: i + 1, date: 1, chat: { id: chat, type: 'private', first_name: 'A' }, from: { id: chat, is_bot: false, first_name: 'A' }, text } });
    const q = pending.get(String(chat)) ?? [];
    q.push(performance.now());
    pending.set(String(chat), q);
    return poster.post(body);
  });
  const end = Date.now() + 10_000;
  while (samples.length < total && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const elapsedS = (performance.now() - start) / 1000;
  poster.close();
  await tg.close();
  port0.postMessage({ done: true, samples: samples.map((s) => ({ at: s.at - start, ms: s.ms })), total, elapsedS });
});
