/**
 * npm run bench                 readable figures
 * npm run -s bench -- --json    one JSON object with every figure (nothing else on stdout)
 */
import { benchSearch } from './search.js';
import { benchEngine } from './engine.js';
import { benchWebhook, benchWebhookStart } from './webhook.js';
import { benchAbuse } from './abuse.js';
import { benchStore } from './store.js';
import { benchScale } from './scale.js';
import { benchZaloOa } from './webhook-zalo-oa.js';

const json = process.argv.includes('--json');
/** `--only search` (or engine, webhook, webhook-start, zalo-oa, abuse, store, scale) runs one part. */
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const runs = (part: string) => !only || only === part;
if (runs('search') && !json) process.stdout.write('search: full catalogue (2,849 procedures): regression set, holdout, 5-fold CV of the fitted ranker; this search vs MiniSearch (same folding and aliases) and plain Fuse.js; index rebuild stall …\n');
const out: Record<string, number> = runs('search') ? { ...(await benchSearch()) } : {};
if (runs('engine') && !json) process.stdout.write('engine: router + engine + lowdb sessions, scripted mix of flows and questions; 100,000 idle sessions …\n');
if (runs('engine')) Object.assign(out, await benchEngine());
if (runs('webhook') && !json) process.stdout.write('webhook: 1,000 messages/s from 1,000 chats for 10 s per channel, loopback, fake Bot APIs …\n');
if (runs('webhook')) Object.assign(out, await benchWebhook());
if (runs('webhook-start') && !json) process.stdout.write(`webhook-start: a fresh embedded server, webhooks from the moment it listens, ${process.env.BENCH_RATE ?? 600} messages/s from 1,000 chats for ${process.env.BENCH_SECONDS ?? 60} s …\n`);
if (runs('webhook-start')) Object.assign(out, await benchWebhookStart());
if (runs('zalo-oa') && !json) process.stdout.write('zalo-oa: Zalo Official Account webhooks, 1,000 chats, signed bodies, loopback fake OA Open API …\n');
if (runs('zalo-oa')) Object.assign(out, await benchZaloOa());
if (runs('abuse') && !json) process.stdout.write('abuse: 20 citizens (2 msg/s each) alone, next to a 50 msg/s flooder, next to a 500 msg/s flooder; web chat over HTTP …\n');
if (runs('abuse')) Object.assign(out, await benchAbuse());
if (runs('store') && !json) process.stdout.write('store: chat turns (session get + set, a handoff message in 1 of 10) at 500/s with 1,000 and 100,000 stored citizens; SQLite vs lowdb JSON files …\n');
if (runs('store')) Object.assign(out, await benchStore());
if (runs('scale') && !json) process.stdout.write('scale: web chat through 1 and through 3 real instances sharing PostgreSQL and Redis, 64 closed-loop clients, round-robin …\n');
if (runs('scale')) Object.assign(out, await benchScale());

if (json) process.stdout.write(JSON.stringify(out) + '\n');
else for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(22)} ${Number.isInteger(v) ? v : v.toFixed(4)}\n`);
