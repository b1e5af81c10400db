import { loadPersonaFiles, runPersonaFiles } from './conversations-runner.js';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FLOWS_DIR, parseFlowYaml } from './flow/index.js';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { openLowdbStores } from './store/index.js';
import { parseImport } from './catalogue/import.js';
import { buildSeed } from './catalogue/seed.js';
import { loadCatalogueReadOnly } from './catalogue/read-only.js';
import { createSearcher } from './catalogue/searcher.js';
import { createCatalogueService } from './catalogue/service.js';
import { runFit, writeWeights } from './catalogue/search/training.js';
import { createAssistant } from './assistant.js';
import { createMemoryStores } from './store/index.js';
import { sessionKey } from './core/message.js';
import { addUser, hashPassword, passwordProblem } from './accounts/index.js';
import { createServer } from './server.js';
import { runDemoTraffic } from './demo/traffic.js';
import { openBackends } from './backends.js';
import { copyStores, type CopyCounts } from './store/copy.js';
import { createPgPool, insertEvents, pgEventSource } from './store/pg/index.js';
import { readEvents, utcDay } from './stats/event-log.js';
import type { AppEvent } from './stats/event.js';
import { appendFile, mkdir } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Command line: search | chat | catalogue import | catalogue build-seed | flows validate.
 * Machine-readable output goes to stdout; logs go to stderr.
 */

const USAGE = `Usage: npm run cli -- <command>
  search [--json] [--limit N] [query…]     search the catalogue (--json: one query per stdin line)
  search-fit [--folds 5] [--passes 2] [--write]
                                           fit the ranker on the labelled training queries; prints
                                           cross-validated top-1/top-3 (--write: store the weights)
  chat --json [--user ID] [--lang vi|en] [--data DIR]
                                           talk to the assistant, one message per stdin line
  catalogue import <file.json|file.csv> [--replace]
                                           validate and import procedures (default: merge by code)
  catalogue build-seed <shared procedures.json>
                                           rebuild data/procedures.json from the portal export
  flows validate [file.yaml…]              validate flow files (default: flows/*.yaml)
  users add <name> --role staff|admin      add an admin-UI account (password prompted, or first line of stdin)
  users password <name>                    set a new password (prompted, or first line of stdin)
  users list | users disable <name> | users enable <name>
  conversations [DIR] [--json]             run typed conversations (persona YAML, default test/conversations)
                                           through the assistant; prints how many were served end to end
  store copy --to postgres [--from-data DIR]
                                           copy the embedded DATA_DIR (or DIR) into DATABASE_URL (and
                                           sessions into REDIS_URL when set); stop the server first
  store copy --to embedded [--data DIR]    copy DATABASE_URL (and REDIS_URL sessions) into DATA_DIR (or
                                           DIR), which must be empty of data
  demo-traffic [--days 14] [--citizens 40] [--seed 1]
                                           simulated citizens through the real router → DATA_DIR/events (stop the server first)`;

type Options = NonNullable<ParseArgsConfig['options']>;
const flag = { type: 'boolean' } as const;
const value = { type: 'string' } as const;

interface Args {
  /** The command name first, then its other words. */
  positional: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

/** Parses the command line against the command's own options; an unknown or malformed flag is a usage error. */
function parseCommandLine(argv: string[], options: Options): Args {
  try {
    const { positionals, values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { positional: positionals, values };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A value flag, or undefined when it was not given. */
function flagValue(args: Args, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

const flagSet = (args: Args, name: string): boolean => args.values[name] === true;

async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** A whole-number flag within min…max, or `fallback` when it was not given. */
function flagNumber(args: Args, name: string, fallback: number, min: number, max: number): number {
  const v = flagValue(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

class UsageError extends Error {}

/** Reads a file named on the command line; a missing file is a usage error, not a crash. */
function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

async function cmdSearch(args: Args, config: Config, log: Logger): Promise<void> {
  const limit = flagNumber(args, 'limit', 5, 1, 50);
  const { procedures, tables, from } = loadCatalogueReadOnly(config.dataDir);
  log.debug({ from, procedures: procedures.length }, 'catalogue loaded');
  const searcher = createSearcher(procedures, tables);
  if (flagSet(args, 'json')) {
    for await (const line of stdinLines()) {
      const hits = searcher.search(line, { limit });
      const results = hits.map((h) => ({ code: h.procedure.code, name: h.procedure.name, score: Math.round(h.score * 1000) / 1000 }));
      process.stdout.write(JSON.stringify({ q: line, results }) + '\n');
    }
    return;
  }
  const q = args.positional.slice(1).join(' ');
  if (!q.trim()) throw new UsageError('search needs a query, e.g. npm run -s search -- "lam lai cccd"');
  const hits = searcher.search(q, { limit });
  if (hits.length === 0) {
    process.stdout.write(`Không tìm thấy thủ tục phù hợp với "${q}".\n`);
    return;
  }
  process.stdout.write(`Kết quả cho "${q}":\n`);
  hits.forEach((h, i) => {
    const p = h.procedure;
    process.stdout.write(`${i + 1}. [${p.code}] ${p.name}\n   ${p.field} · điểm ${h.score.toFixed(2)} · khớp: ${h.matched.join(', ') || '-'}\n`);
  });
}

async function cmdSearchFit(args: Args): Promise<void> {
  const folds = flagNumber(args, 'folds', 5, 2, 20);
  const passes = flagNumber(args, 'passes', 2, 1, 10);
  const r = runFit({ folds, passes });
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  process.stdout.write(`${folds}-fold cross-validated: top-1 ${pct(r.cv.top1)}, top-3 ${pct(r.cv.top3)}, MRR ${r.cv.mrr.toFixed(3)}, no-match empty ${pct(r.cv.nomatchEmpty)}\n`);
  process.stdout.write(`on the training data itself (optimistic): top-1 ${pct(r.train.top1)}, top-3 ${pct(r.train.top3)}, no-match empty ${pct(r.train.nomatchEmpty)} (${r.train.n} answerable queries)\n`);
  process.stdout.write(JSON.stringify({ weights: r.weights, noMatch: r.model }, null, 2) + '\n');
  if (flagSet(args, 'write')) {
    writeWeights(r.weights, r.model);
    process.stdout.write('Wrote src/catalogue/search/weights.ts.\n');
  }
}

async function cmdCatalogue(args: Args, config: Config, log: Logger): Promise<void> {
  const sub = args.positional[1];
  const file = args.positional[2];
  if (sub === 'build-seed') {
    if (!file) throw new UsageError('catalogue build-seed needs the path of the shared procedures.json');
    const n = buildSeed(file, new URL('../data/procedures.json', import.meta.url).pathname);
    process.stdout.write(`Wrote data/procedures.json with ${n} procedures.\n`);
    return;
  }
  if (sub !== 'import' || !file) throw new UsageError('usage: catalogue import <file.json|file.csv> [--replace]');
  const text = readInput(file);
  const stores = await openLowdbStores(config.dataDir);
  try {
    await createCatalogueService(stores.catalogue);
    // Rows without channels/documents/phrasings keep the catalogue's (the fee notes live in channels).
    const existing = new Map((await stores.catalogue.all()).map((p) => [p.code, p]));
    const parsed = parseImport(text, file, (code) => existing.get(code));
    if (!parsed.ok) {
      process.stderr.write(`Import refused: ${parsed.errors.length} problem(s) in ${file}; nothing was imported.\n`);
      for (const e of parsed.errors.slice(0, 200)) process.stderr.write(`  line ${e.line}, ${e.field}: ${e.reason}\n`);
      if (parsed.errors.length > 200) process.stderr.write(`  … and ${parsed.errors.length - 200} more\n`);
      process.exitCode = 1;
      return;
    }
    const mode = flagSet(args, 'replace') ? 'replace' : 'merge';
    const r = await stores.catalogue.importAll(parsed.rows, mode);
    log.info({ mode, ...r }, 'catalogue imported');
    process.stdout.write(`Imported ${parsed.rows.length} procedures (${mode}): ${r.added} added, ${r.updated} updated, ${r.total} in the catalogue.\n`);
  } finally {
    await stores.close();
  }
}

async function cmdChat(args: Args, config: Config, log: Logger): Promise<void> {
  if (!flagSet(args, 'json')) throw new UsageError('chat needs --json (one JSON line per input line)');
  const lang = flagValue(args, 'lang') ?? 'vi';
  if (lang !== 'vi' && lang !== 'en') throw new UsageError('--lang must be vi or en');
  const user = flagValue(args, 'user') ?? 'cli-user';
  const dataDir = flagValue(args, 'data');
  const stores = dataDir !== undefined ? await openLowdbStores(dataDir) : await createMemoryStores();
  try {
    // The CLI is one citizen talking: no rate limit.
    const cfg = { ...config, rateLimit: { perMinute: 1_000_000, burst: 1_000_000 } };
    const assistant = await createAssistant({ config: cfg, log, stores, now: () => Date.now(), defaultLang: lang });
    let n = 0;
    for await (const line of stdinLines()) {
      const replies = await assistant.handle({ channel: 'cli', chatId: user, userId: user, messageId: String(++n), kind: line.trim().startsWith('/') ? 'command' : 'text', text: line, at: Date.now() });
      const session = await stores.sessions.get(sessionKey('cli', user));
      process.stdout.write(
        JSON.stringify({
          in: line,
          replies: replies.map((r) => ({ text: r.text, options: (r.options ?? []).map((o) => o.label), link: r.link?.url ?? null })),
          flow: session?.flowId ?? null,
          step: session?.stepId ?? null,
          // Whether the conversation now waits for (or is with) a staff member.
          handoff: (await stores.handoffs.openFor(sessionKey('cli', user))) !== undefined,
        }) + '\n',
      );
    }
  } finally {
    await stores.close();
  }
}

async function cmdFlows(args: Args): Promise<void> {
  if (args.positional[1] !== 'validate') throw new UsageError('usage: flows validate [file.yaml…]');
  const files = args.positional.slice(2).length ? args.positional.slice(2) : readdirSync(FLOWS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => join(FLOWS_DIR, f));
  const known = new Set([...readdirSync(FLOWS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')), ...files.map((f) => basename(f).replace(/\.yaml$/, ''))]);
  let bad = 0;
  for (const f of files) {
    const r = parseFlowYaml(readInput(f), known, { strict: true });
    if (r.ok) process.stdout.write(`ok      ${f} (${r.flow.id}, ${Object.keys(r.flow.steps).length} steps)\n`);
    else {
      bad++;
      process.stdout.write(`invalid ${f}\n`);
      for (const e of r.errors) process.stdout.write(`  ${e.flowId}${e.stepId ? `/${e.stepId}` : ''}${e.line ? ` (line ${e.line})` : ''}: ${e.message}\n`);
    }
  }
  if (bad) process.exitCode = 1;
}

/** Reads a password: hidden prompt on a terminal, else the first line of stdin. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    for await (const line of stdinLines()) return line;
    return '';
  }
  process.stderr.write(prompt);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let pw = '';
  return new Promise((resolve, reject) => {
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(pw);
        }
        if (ch === '\u0003') {
          process.stdin.setRawMode(false);
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f') pw = pw.slice(0, -1);
        else pw += ch;
      }
    };
    process.stdin.on('data', onData);
  });
}

async function cmdUsers(args: Args, config: Config, log: Logger): Promise<void> {
  const [, sub, name] = args.positional;
  // The accounts of the configured deployment: PostgreSQL when DATABASE_URL is set.
  const backends = await openBackends(config, log);
  const { stores } = backends;
  try {
    if (sub === 'list') {
      for (const u of await stores.users.list()) process.stdout.write(`${u.name}\t${u.role}\t${u.disabled ? 'disabled' : 'active'}\n`);
      return;
    }
    if ((sub === 'disable' || sub === 'enable') && name) {
      const u = await stores.users.get(name);
      if (!u) throw new Error(`No user "${name}".`);
      await stores.users.put({ ...u, disabled: sub === 'disable' });
      // Admin sign-ins are kept in the store: a disabled account is signed out everywhere.
      if (sub === 'disable') await stores.logins.destroyUser(name);
      await stores.audit.add({ at: Date.now(), who: 'cli', action: `user.${sub}`, target: name });
      process.stdout.write(`User ${name} ${sub}d.\n`);
      return;
    }
    if (sub === 'password' && name) {
      const u = await stores.users.get(name.toLowerCase());
      if (!u) throw new Error(`No user "${name}".`);
      const password = await readPassword(`New password for ${u.name} (at least 10 characters): `);
      const problem = passwordProblem(password, u.name);
      if (problem) throw new Error(problem);
      await stores.users.put({ ...u, passwordHash: await hashPassword(password, config.passwordHash) });
      await stores.logins.destroyUser(u.name);
      await stores.audit.add({ at: Date.now(), who: 'cli', action: 'user.password', target: u.name });
      process.stdout.write(`Password of ${u.name} changed.\n`);
      return;
    }
    if (sub !== 'add' || !name) throw new UsageError('usage: users add <name> --role staff|admin');
    const role = flagValue(args, 'role') ?? 'staff';
    if (role !== 'staff' && role !== 'admin') throw new UsageError('--role must be staff or admin');
    const password = await readPassword(`Password for ${name} (at least 10 characters): `);
    await addUser(stores.users, name.toLowerCase(), role, password, Date.now(), config.passwordHash);
    await stores.audit.add({ at: Date.now(), who: 'cli', action: 'user.add', target: name.toLowerCase(), after: { role } });
    process.stdout.write(`Added ${role} "${name.toLowerCase()}". Sign in at /admin/login.\n`);
  } finally {
    await backends.close();
  }
}

const COPY_LABELS: Record<keyof CopyCounts, string> = {
  procedures: 'procedures',
  flows: 'flows',
  flowVersions: 'flow versions',
  users: 'user accounts',
  settings: 'settings',
  audit: 'audit entries',
  handoffs: 'handoffs',
  sessions: 'sessions',
  events: 'stats events',
};

/** `store copy --to postgres|embedded`: moves a deployment between the embedded store and PostgreSQL + Redis. */
async function cmdStore(args: Args, config: Config, log: Logger): Promise<void> {
  const to = flagValue(args, 'to');
  if (args.positional[1] !== 'copy' || (to !== 'postgres' && to !== 'embedded')) throw new UsageError('usage: store copy --to postgres|embedded');
  if (!config.scale.databaseUrl) throw new UsageError('store copy needs DATABASE_URL (the PostgreSQL side of the copy)');
  const dataDir = flagValue(args, to === 'postgres' ? 'from-data' : 'data') ?? config.dataDir;
  const embedded = await openLowdbStores(dataDir);
  let counts: CopyCounts;
  try {
    const scaled = await openBackends(config, log);
    try {
      const pool = createPgPool(config.scale.databaseUrl, { max: 2 });
      const eventsDir = join(dataDir, 'events');
      const toPg = {
        read: () => readEvents(eventsDir),
        write: (batch: AppEvent[]) => insertEvents(pool, batch),
      };
      const toFiles = {
        async *read() {
          const source = pgEventSource(pool);
          for (let after = 0; ; ) {
            const rows = await source.readSince(after, 5000);
            if (!rows.length) return;
            for (const r of rows) yield r.event;
            after = rows.at(-1)!.id;
          }
        },
        async write(batch: AppEvent[]) {
          await mkdir(eventsDir, { recursive: true });
          const byDay = new Map<string, string[]>();
          for (const e of batch) byDay.set(utcDay(e.at), [...(byDay.get(utcDay(e.at)) ?? []), JSON.stringify(e) + '\n']);
          for (const [day, lines] of byDay) await appendFile(join(eventsDir, `${day}.jsonl`), lines.join(''), 'utf8');
        },
      };
      try {
        counts = to === 'postgres' ? await copyStores(embedded, scaled.stores, toPg) : await copyStores(scaled.stores, embedded, toFiles);
      } finally {
        await pool.end();
      }
    } finally {
      await scaled.close();
    }
  } finally {
    await embedded.close();
  }
  const where = to === 'postgres' ? `PostgreSQL${config.scale.redisUrl ? ' (sessions in Redis)' : ''}` : dataDir;
  process.stdout.write(`Copied into ${where}:\n`);
  for (const [k, n] of Object.entries(counts)) process.stdout.write(`  ${COPY_LABELS[k as keyof CopyCounts]}: ${n}\n`);
  process.stdout.write('Admin sign-ins are not copied: staff sign in again.\n');
}

async function cmdDemoTraffic(args: Args, config: Config, log: Logger): Promise<void> {
  const days = flagNumber(args, 'days', 14, 1, 90);
  const citizensPerDay = flagNumber(args, 'citizens', 40, 1, 2000);
  const seed = flagNumber(args, 'seed', 1, 1, 1_000_000);
  const stores = await openLowdbStores(config.dataDir);
  try {
    const server = await createServer({ config, log, stores, now: () => Date.now() });
    const r = await runDemoTraffic({ config, log, events: server.events, now: Date.now(), days, citizensPerDay, seed });
    await server.app.close();
    await stores.settings.set('demoTrafficAt', new Date().toISOString());
    process.stdout.write(`Demo traffic: ${r.citizens} simulated citizens, ${r.messages} messages over ${days} days → ${join(config.dataDir, 'events')}. The dashboard marks that it includes demo data.\n`);
  } finally {
    await stores.close();
  }
}

interface Command {
  /** The flags the command takes: switches (`--json`) and values (`--limit 5` or `--limit=5`). */
  options: Options;
  run(args: Args, config: Config, log: Logger): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  search: { options: { json: flag, limit: value }, run: cmdSearch },
  'search-fit': { options: { folds: value, passes: value, write: flag }, run: (args) => cmdSearchFit(args) },
  catalogue: { options: { replace: flag }, run: cmdCatalogue },
  chat: { options: { json: flag, user: value, lang: value, data: value }, run: cmdChat },
  flows: { options: {}, run: (args) => cmdFlows(args) },
  users: { options: { role: value }, run: cmdUsers },
  store: { options: { to: value, 'from-data': value, data: value }, run: cmdStore },
  'demo-traffic': { options: { days: value, citizens: value, seed: value }, run: cmdDemoTraffic },
  conversations: { options: { json: flag }, run: (args) => cmdConversations(args) },
};

/** Runs typed conversations (persona YAML files) through the real assistant and prints how many were served. */
async function cmdConversations(args: Args): Promise<void> {
  const dir = args.positional[1] ?? 'test/conversations';
  const results = await runPersonaFiles(loadPersonaFiles(dir));
  const served = results.filter((r) => r.served).length;
  if (flagSet(args, 'json')) {
    for (const r of results) process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  for (const r of results.filter((x) => !x.served)) {
    process.stdout.write(`✗ [${r.persona}] ${r.name}\n`);
    for (const f of r.failures) process.stdout.write(`    turn ${f.turn} "${f.said}": ${f.problems.join('; ')}\n      → ${f.replies.join(' ⏎ ').replace(/\n/g, ' ').slice(0, 400)}\n`);
  }
  process.stdout.write(`${served} of ${results.length} conversations served end to end (${dir})\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // The command is the first word; its flags are parsed against its own options.
  const name = argv.find((a) => !a.startsWith('-'));
  const cmd = name && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!name || !cmd) {
    process.stderr.write(USAGE + '\n');
    process.exitCode = name ? 2 : 0;
    return;
  }
  let args: Args;
  try {
    args = parseCommandLine(argv, cmd.options);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  // Logs go to stderr so stdout stays machine-readable.
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  try {
    await cmd.run(args, config, log);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
