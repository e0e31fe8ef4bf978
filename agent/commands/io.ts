/** What every one-shot command (import, backfill, plan) takes besides its own arguments. */
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
