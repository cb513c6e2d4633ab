import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths that could ever hold a secret are censored, as a second line of defence: the code already
 * keeps the API key in a header and logs no request headers or bodies.
 */
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'req.headers["x-finnhub-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.csrfToken',
  '*.apiKey',
  '*.secret',
  '*.smtpUrl',
  '*.privateKey',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}
