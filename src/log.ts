import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Paths redacted from every log line (tokens, secrets, cookies, passwords). */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'secret_token',
  '*.secret_token',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
];

/** Removes bot tokens from URLs ("/bot123:ABC/sendMessage" → "/bot<redacted>/sendMessage"). */
export function redactUrl(url: string): string {
  return url.replace(/\/bot[^/?#]+/g, '/bot<redacted>');
}

/** One pino JSON line per event. `destination` lets tests capture all output. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: req.url ? redactUrl(req.url) : undefined, id: req.id }),
        err: pino.stdSerializers.err,
      },
    },
    destination ?? pino.destination(1),
  );
}
