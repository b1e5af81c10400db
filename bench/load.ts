import { Agent, request } from 'node:http';

/**
 * The load side every webhook bench shares: JSON bodies posted to one webhook over keep-alive
 * connections (a failed request just resolves: the missing reply shows in the figures), sent
 * open-loop at a fixed rate so a stall in the server counts in the latency.
 */
export function webhookPoster(port: number, path: string, headers: (body: string) => Record<string, string>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    post: (body: string) =>
      new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', () => resolve());
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Calls `send(i)` for i = 0 … total-1, message i due at start + i/rate seconds; resolves when every send has. Returns the start time. */
export async function openLoop(total: number, rate: number, send: (i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(i));
  }
  await Promise.all(inflight);
  return start;
}
