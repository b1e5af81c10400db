import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { pollUntilAborted, webhookSecretHook } from '../../src/channels/shared.js';

/** The pieces the Telegram and Zalo channels share: the webhook secret check and the polling loop. */

describe('webhook secret hook', () => {
  async function appWith(state: { secret: string; accepting: boolean }) {
    const app = Fastify();
    app.addHook('onRequest', webhookSecretHook({ header: 'x-secret', secret: () => state.secret, accepting: () => state.accepting }));
    app.post('/hook', async () => ({ ok: true }));
    await app.ready();
    return app;
  }
  const post = (app: Awaited<ReturnType<typeof appWith>>, secret?: string) =>
    app.inject({ method: 'POST', url: '/hook', headers: secret === undefined ? {} : { 'x-secret': secret }, payload: {} });

  it('lets the right secret through and refuses a wrong, missing or unset one with 401', async () => {
    const state = { secret: 's3cret-value', accepting: true };
    const app = await appWith(state);
    try {
      expect((await post(app, 's3cret-value')).statusCode).toBe(200);
      expect((await post(app, 's3cret-valuX')).statusCode).toBe(401);
      expect((await post(app, 's3cret')).statusCode).toBe(401);
      expect((await post(app)).statusCode).toBe(401);
      // Polling mode: no secret is expected, so nothing gets in.
      state.secret = '';
      expect((await post(app, '')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('answers 503 while the channel stops, even with the right secret', async () => {
    const app = await appWith({ secret: 's3cret-value', accepting: false });
    try {
      const res = await post(app, 's3cret-value');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ error: 'shutting down' });
    } finally {
      await app.close();
    }
  });
});

describe('polling loop', () => {
  it('polls again at once after a success and stops when aborted', async () => {
    const stop = new AbortController();
    let calls = 0;
    await pollUntilAborted(
      stop.signal,
      async () => {
        if (++calls === 3) stop.abort();
      },
      () => expect.unreachable('no poll failed'),
    );
    expect(calls).toBe(3);
  });

  it('reports a failed poll and ends during the backoff wait as soon as it is aborted', async () => {
    const stop = new AbortController();
    const errors: unknown[] = [];
    let calls = 0;
    const started = Date.now();
    await pollUntilAborted(
      stop.signal,
      async () => {
        calls++;
        throw new Error('network down');
      },
      (err) => {
        errors.push(err);
        setTimeout(() => stop.abort(), 20);
      },
    );
    expect(calls).toBe(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(['network down']);
    // The first backoff is 1 s; the abort cut it short.
    expect(Date.now() - started).toBeLessThan(900);
  });
});
