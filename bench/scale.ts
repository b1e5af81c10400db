import { compileServer } from '../test/support/server.js';
import { startCluster, webCitizen } from '../test/support/cluster.js';

/** Closed-loop clients, each a citizen sending its next message when the previous was answered. */
const CLIENTS = 64;
const CITIZENS = 1000;
const WARM_UP_S = 3;
const MEASURE_S = Number(process.env.BENCH_SCALE_SECONDS ?? 10);
const QUESTIONS = ['lam lai cccd', 'doi bang lai xe', 'le phi dang ky khai sinh bao nhieu', 'dang ky tam tru o dau', 'cap ho chieu mat bao lau', 'xin chao'];

/**
 * Web chat messages per second through N real instances sharing PostgreSQL and Redis, requests
 * spread round-robin over the instances (as a load balancer would). Same clients, same messages,
 * same machine for N = 1 and N = 3: the ratio shows what a second and third process add here
 * (on 2 cores, where the client runs too, mostly what sharing state costs).
 */
async function measure(instances: number): Promise<{ msgsPerS: number; p99: number }> {
  const js = await compileServer();
  const cluster = await startCluster({ js, env: { LOG_LEVEL: 'warn' } });
  try {
    const nodes = await Promise.all(Array.from({ length: instances }, (_, i) => cluster.start(`i${i}`)));
    const citizens = Array.from({ length: CITIZENS }, () => webCitizen());
    let turn = 0;
    let counting = false;
    let done = 0;
    const latencies: number[] = [];
    let stop = false;
    const client = async (k: number) => {
      for (let n = 0; !stop; n++) {
        const i = turn++;
        const citizen = citizens[(k + n * CLIENTS) % CITIZENS]!;
        const began = performance.now();
        await citizen.say(nodes[i % nodes.length]!.url, QUESTIONS[i % QUESTIONS.length]!).catch(() => undefined);
        if (counting) {
          done++;
          latencies.push(performance.now() - began);
        }
      }
    };
    const running = Array.from({ length: CLIENTS }, (_, k) => client(k));
    await new Promise((r) => setTimeout(r, WARM_UP_S * 1000));
    counting = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    counting = false;
    const elapsed = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(running);
    latencies.sort((a, b) => a - b);
    return { msgsPerS: done / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
  } finally {
    await cluster.close();
    await js.dispose();
  }
}

export async function benchScale(): Promise<Record<string, number>> {
  const one = await measure(1);
  const three = await measure(3);
  return {
    'scale.instances_1.msgs_per_s': one.msgsPerS,
    'scale.instances_1.p99_ms': one.p99,
    'scale.instances_3.msgs_per_s': three.msgsPerS,
    'scale.instances_3.p99_ms': three.p99,
    'scale.instances_3_over_1': three.msgsPerS / one.msgsPerS,
  };
}
