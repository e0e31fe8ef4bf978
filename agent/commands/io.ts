/** What every one-shot command (import, backfill, plan) takes besides its own arguments. */
import { loadConfig, type AgentConfig } from '../config.ts';
import { ConfigError, describeError } from '../errors.ts';
import type { ProgressOptions } from '../telemetry/progress.ts';

export interface CommandIO {
  /** Machine-readable output on stdout. */
  readonly json?: boolean | undefined;
  /** The JSON config file (else PLANSYNC_CONFIG). */
  readonly config?: string | undefined;
  /** The environment (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the summary goes (default console.log). */
  readonly out?: (line: string) => void;
  /** Where errors go (default console.error). */
  readonly err?: (line: string) => void;
  readonly progress?: ProgressOptions;
}

/** The agent's configuration for a command, or undefined after saying what is wrong (exit code 2). */
export const commandConfig = (command: CommandIO, err: (line: string) => void): AgentConfig | undefined => {
  try {
    return loadConfig({ file: command.config, ...(command.env ? { env: command.env } : {}) });
  } catch (error) {
    err(`plansync: configuration error: ${error instanceof ConfigError ? error.message : describeError(error)}`);
    return undefined;
  }
};
