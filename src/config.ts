import { z } from 'zod';

/**
 * The only reader of process.env. Every setting is documented in .env.example.
 * `loadConfig` fails fast with every bad field and how to fix it.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalSecret = (min: number, hint: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().min(min, hint).max(256, 'tối đa 256 ký tự / at most 256 characters').optional());

const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .pipe(z.string().max(max, `at most ${max} characters`).optional());

/** TRUST_PROXY: off, `true` (any proxy), a hop count, or comma-separated proxy IPs/CIDRs (fastify's forms). */
const trustProxy = z
  .string()
  .optional()
  .transform((v) => v?.trim() ?? '')
  .pipe(
    z.union([
      z.enum(['', 'false', '0', 'no']).transform(() => false as const),
      z.enum(['true', 'yes']).transform(() => true as const),
      z.string().regex(/^[1-9]\d?$/).transform(Number),
      z
        .string()
        .regex(/^[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*$/, 'false, true, a hop count (1) or proxy addresses such as 127.0.0.1,10.0.0.0/8')
        .transform((v) => v.split(',').map((x) => x.trim())),
    ]),
  );

/** CSP frame-ancestors sources: self, none (quotes optional: .env loaders strip them) or origins such as https://dichvucong.thainguyen.gov.vn. */
const frameAncestors = z
  .string()
  .optional()
  .transform((v) =>
    (v?.trim() || "'self'")
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((x) => (/^(self|none)$/i.test(x) ? `'${x.toLowerCase()}'` : x)),
  )
  .pipe(
    z
      .array(z.string().regex(/^('self'|'none'|https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?)$/i, "each source is 'self', 'none' or an origin such as https://dichvucong.thainguyen.gov.vn"))
      .min(1),
  );

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'dạng HH:MM, ví dụ 07:30 / use HH:MM, e.g. 07:30');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int('must be a whole number').min(0).max(65535, 'must be 0–65535').default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./var'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v?.replace(/\/+$/, '')))
    .pipe(z.string().url('must be a full URL such as https://bot.example.gov.vn').startsWith('https://', 'webhooks need https://').optional()),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'looks wrong: a Telegram token is "<digits>:<35 characters>" from @BotFather').optional()),
  TELEGRAM_API_ROOT: z.string().url('must be a URL such as https://api.telegram.org').default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_SECRET: optionalSecret(8, 'at least 8 characters (A-Z, a-z, 0-9, _ and -)').pipe(
    z.string().regex(/^[A-Za-z0-9_-]+$/, 'only A-Z, a-z, 0-9, _ and - are allowed by Telegram').optional(),
  ),
  ZALO_BOT_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().min(10, 'looks too short for a Zalo Bot token').optional()),
  ZALO_API_BASE: z.string().url('must be a URL such as https://bot-api.zaloplatforms.com').default('https://bot-api.zaloplatforms.com'),
  ZALO_WEBHOOK_SECRET: optionalSecret(8, 'Zalo needs 8–256 characters'),
  ZALO_OA_APP_ID: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .pipe(z.string().regex(/^\d{5,25}$/, 'the App ID of the app on developers.zalo.me (digits only)').optional()),
  ZALO_OA_APP_SECRET: optionalSecret(8, 'the app\'s "Khóa bí mật của ứng dụng" (App Secret Key) from developers.zalo.me'),
  ZALO_OA_SECRET_KEY: optionalSecret(8, 'the OA Secret Key from the app\'s Webhook page (not the App Secret)'),
  ZALO_OA_REFRESH_TOKEN: optionalSecret(16, 'looks too short for a Zalo OA refresh token'),
  ZALO_OA_API_BASE: z.string().url('must be a URL such as https://openapi.zalo.me').default('https://openapi.zalo.me'),
  ZALO_OA_OAUTH_BASE: z.string().url('must be a URL such as https://oauth.zaloapp.com').default('https://oauth.zaloapp.com'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(30),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(72),
  OFFICE_HOURS: z
    .string()
    .default('mon-fri 07:30-11:30,13:30-17:00')
    .pipe(z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))? \d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*$/, 'format: "mon-fri 07:30-11:30,13:30-17:00"')),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000).default(8),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  ADMIN_USERNAME: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().regex(/^[a-z0-9._-]{3,32}$/, '3–32 characters: a-z, 0-9, . _ -').optional()),
  ADMIN_PASSWORD: optionalSecret(10, 'at least 10 characters'),
  COOKIE_SECURE: bool.optional(),
  TRUST_PROXY: trustProxy,
  WIDGET_FRAME_ANCESTORS: frameAncestors,
  WEB_SESSION_SECRET: optionalSecret(32, 'at least 32 random characters (leave empty to generate and store one)'),
  WEB_CHAT_IP_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  WEB_CHAT_SESSIONS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(30),
  SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
  PSEUDONYM_KEY: optionalSecret(16, 'at least 16 random characters (leave empty to generate and store one)'),
  PROVINCE: optionalText(80),
  PROVINCE_PORTAL_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v?.replace(/\/+$/, '')))
    .pipe(z.string().url('must be a full URL such as https://dichvucong.thainguyen.gov.vn').optional()),
  SUPPORT_HOTLINE: optionalText(40).pipe(z.string().regex(/^[0-9 .+()-]{3,40}$/, 'digits, spaces, dots, dashes, + and () only').optional()),
  ONE_STOP_ADDRESS: optionalText(300),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a PostgreSQL URL such as postgres://dvc@db.internal:5432/dvc').optional()),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().regex(/^rediss?:\/\/\S+$/, 'must be a Redis URL such as redis://cache.internal:6379').optional()),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,40}$/, '1–40 characters: A-Z a-z 0-9 : _ . -').default('dvc:'),
});

const OFFICE_START_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface OfficeHours {
  /** Days of week, 0 = Sunday. */
  days: number[];
  /** Minutes after midnight, Vietnam time (UTC+7). */
  ranges: [number, number][];
}

function parseOfficeHours(spec: string): OfficeHours {
  const [dayPart = 'mon-fri', timePart = ''] = spec.split(' ');
  const [from, to = from] = dayPart.split('-') as [(typeof OFFICE_START_DAYS)[number], (typeof OFFICE_START_DAYS)[number]?];
  const a = OFFICE_START_DAYS.indexOf(from);
  const b = OFFICE_START_DAYS.indexOf(to ?? from);
  const days: number[] = [];
  for (let d = a; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === b) break;
  }
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const ranges = timePart.split(',').map((r) => {
    const [s = '00:00', e = '00:00'] = r.split('-');
    return [toMin(s), toMin(e)] as [number, number];
  });
  return { days, ranges };
}

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  publicUrl: string | undefined;
  telegram: { token: string | undefined; apiRoot: string; webhookSecret: string | undefined };
  zalo: { token: string | undefined; apiBase: string; webhookSecret: string | undefined };
  /**
   * Zalo Official Account (OA Open API v3): on when appId is set (then appSecret, secretKey and
   * PUBLIC_URL are required). refreshToken is the first token; the admin connect page can get one.
   */
  zaloOa: {
    appId: string | undefined;
    appSecret: string | undefined;
    secretKey: string | undefined;
    refreshToken: string | undefined;
    apiBase: string;
    oauthBase: string;
  };
  sessionIdleMs: number;
  sessionTtlMs: number;
  officeHours: OfficeHours;
  rateLimit: { perMinute: number; burst: number };
  bodyLimit: number;
  shutdownTimeoutMs: number;
  retentionDays: number;
  admin: { username: string | undefined; password: string | undefined };
  cookieSecure: boolean | undefined;
  /** fastify's trustProxy: false (default: X-Forwarded-For is ignored), true, a hop count or proxy addresses. */
  trustProxy: boolean | number | string[];
  /** Who may frame the web chat page (the embeddable widget's host pages). The admin is never framed. */
  widgetFrameAncestors: string[];
  /** Web chat sessions: cookie signing secret (generated and stored when unset) and per-address limits. */
  webChat: { sessionSecret: string | undefined; ipPerMinute: number; sessionsPerIpPerHour: number };
  /** scrypt cost for staff passwords: N = 2^logN (OWASP: 17), r = 8, p = 1. */
  passwordHash: { logN: number };
  pseudonymKey: string | undefined;
  /**
   * Scale-out mode: PostgreSQL holds the documents, handoffs, audit and events; Redis holds sessions,
   * sign-ins, dedupe, limits and pub/sub. Either or both; neither = embedded (DATA_DIR) only.
   */
  scale: { databaseUrl: string | undefined; poolMax: number; redisUrl: string | undefined; redisPrefix: string };
  /** Where this deployment serves ("where" answers and links); national when PROVINCE is unset. */
  profile: { province: string | null; portalUrl: string; hotline: string | null; oneStopAddress: string | null };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix these in .env or the environment (see .env.example).`);
    this.name = 'ConfigError';
  }
}

/** A wrong value as the error message may show it: secrets hidden, a URL's password cut out. */
function shown(key: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD|KEY/.test(key) && value) return '***';
  return value.replace(/(\/\/[^:/@\s]*):[^@\s]*@/, '$1:***@');
}

/** Reads settings from `env` (default: process.env). Throws ConfigError listing every bad field. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}=${JSON.stringify(shown(String(i.path[0]), env[String(i.path[0])] ?? ''))}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.SCRYPT_LOG_N < 17 && e.NODE_ENV !== 'test') {
    throw new ConfigError([`SCRYPT_LOG_N=${e.SCRYPT_LOG_N}: below OWASP's 17 is only for tests (NODE_ENV=test); leave it empty in production`]);
  }
  const oaProblems = zaloOaProblems(e);
  if (oaProblems.length) throw new ConfigError(oaProblems);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL,
    telegram: { token: e.TELEGRAM_BOT_TOKEN, apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''), webhookSecret: e.TELEGRAM_WEBHOOK_SECRET },
    zalo: { token: e.ZALO_BOT_TOKEN, apiBase: e.ZALO_API_BASE.replace(/\/+$/, ''), webhookSecret: e.ZALO_WEBHOOK_SECRET },
    zaloOa: {
      appId: e.ZALO_OA_APP_ID,
      appSecret: e.ZALO_OA_APP_SECRET,
      secretKey: e.ZALO_OA_SECRET_KEY,
      refreshToken: e.ZALO_OA_REFRESH_TOKEN,
      apiBase: e.ZALO_OA_API_BASE.replace(/\/+$/, ''),
      oauthBase: e.ZALO_OA_OAUTH_BASE.replace(/\/+$/, ''),
    },
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    officeHours: parseOfficeHours(e.OFFICE_HOURS),
    rateLimit: { perMinute: e.RATE_LIMIT_PER_MINUTE, burst: e.RATE_LIMIT_BURST },
    bodyLimit: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    retentionDays: e.RETENTION_DAYS,
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    cookieSecure: e.COOKIE_SECURE,
    trustProxy: e.TRUST_PROXY,
    widgetFrameAncestors: e.WIDGET_FRAME_ANCESTORS,
    webChat: { sessionSecret: e.WEB_SESSION_SECRET, ipPerMinute: e.WEB_CHAT_IP_PER_MINUTE, sessionsPerIpPerHour: e.WEB_CHAT_SESSIONS_PER_IP_PER_HOUR },
    passwordHash: { logN: e.SCRYPT_LOG_N },
    pseudonymKey: e.PSEUDONYM_KEY,
    scale: { databaseUrl: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, redisUrl: e.REDIS_URL, redisPrefix: e.REDIS_PREFIX },
    profile: {
      province: e.PROVINCE ?? null,
      portalUrl: e.PROVINCE_PORTAL_URL ?? 'https://dichvucong.gov.vn',
      hotline: e.SUPPORT_HOTLINE ?? null,
      oneStopAddress: e.ONE_STOP_ADDRESS ?? null,
    },
  };
}

/** The Zalo OA settings come as a set: which are missing, by name only (values are secrets). */
function zaloOaProblems(e: Env): string[] {
  const set = { ZALO_OA_APP_ID: e.ZALO_OA_APP_ID, ZALO_OA_APP_SECRET: e.ZALO_OA_APP_SECRET, ZALO_OA_SECRET_KEY: e.ZALO_OA_SECRET_KEY };
  const given = Object.entries(set).filter(([, v]) => v !== undefined);
  if (!given.length && !e.ZALO_OA_REFRESH_TOKEN) return [];
  const missing = Object.entries(set)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  const problems = missing.length
    ? [`Zalo OA is half configured: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing. Set ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY together (developers.zalo.me → your app), or leave all ZALO_OA_* empty to turn the OA channel off`]
    : [];
  if (!e.PUBLIC_URL) problems.push('ZALO_OA_APP_ID needs PUBLIC_URL: Zalo delivers OA messages only to a webhook at PUBLIC_URL/zalo-oa/webhook (https, on a domain verified at developers.zalo.me)');
  return problems;
}

/** Config for tests and the CLI: defaults plus overrides, never touching process.env. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}
