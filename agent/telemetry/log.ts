/**
 * Logs: pino, JSON lines on stderr (stdout stays free for command output), secrets redacted by path
 * as a second line of defence: the agent never puts a key or a request body in a log call.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

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
];

export const createLogger = (level: LevelWithSilent = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger =>
  pino({ level, base: { app: 'plansync' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);

export const silentLogger = (): Logger => pino({ level: 'silent' });
