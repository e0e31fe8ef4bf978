/**
 * Logs: pino, JSON lines on stderr (stdout stays free for command output), secrets redacted by path
 * as a second line of defence: the agent never puts a key or a request body in a log call.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { scrub } from './redact.ts';

export type { Logger };

export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-plansync-signature"]',
  'odoo.apiKey',
  'key',
  '*.key',
  'token',
  '*.token',
  'signingSecret',
  '*.signingSecret',
  'secrets',
  '*.secrets',
];

/**
 * A logger; every line goes through `scrub()` on its way out (registered secrets and URL user info
 * become `[redacted]`, whatever field they hide in), after pino's redaction by path.
 */
export const createLogger = (level: LevelWithSilent = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger =>
  pino(
    { level, base: { app: 'plansync' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (line: string) => destination.write(scrub(line)) },
  );

export const silentLogger = (): Logger => pino({ level: 'silent' });
