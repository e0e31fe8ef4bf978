/**
 * The agent's side of scripts/bench/planning-bench.sh, against a live Odoo 17 prepared by it:
 *   import <csv>          `plansync import` of a proposal file (the real CLI, as a child process)
 *   backfill <code> <since>  `plansync backfill` of demand lines into a loopback endpoint (the real CLI)
 * Prints one line `FIGURE {json}`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeVariable } from '../../agent/config.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { liveTier } from '../../test/support/odoo-real.ts';
import { runCli } from '../../test/support/processes.ts';

const tier = liveTier();
if ('reason' in tier) {
  console.error(tier.reason);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'plansync-planning-bench-'));
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: tier.url,
  ODOO_DB: tier.db,
  ODOO_LOGIN: tier.file.integration.login,
  ODOO_API_KEY: tier.file.integration.api_key,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_LOG_LEVEL: 'error',
  ...extra,
});

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'import') {
    const file = args[0] ?? '';
    const started = Date.now();
    const result = await runCli(
      ['import', file, '--kind', 'proposal', '--source', 'bench-agent', '--ref', 'BENCH-RUN', '--json'],
      env(),
      3_600_000,
    );
    const wall = (Date.now() - started) / 1000;
    if (result.code === 2 || !result.stdout.trim().startsWith('{'))
      throw new Error(`import failed (exit ${result.code}): ${result.stderr.slice(-500)}`);
    const summary = JSON.parse(result.stdout) as { total: number; counts: Record<string, number>; seconds: number };
    console.log(
      `FIGURE ${JSON.stringify({ figure: 'agent_import', lines: summary.total, counts: summary.counts, seconds: summary.seconds, wall_seconds: wall, lines_per_second: Math.round(summary.total / summary.seconds) })}`,
    );
  } else if (mode === 'backfill') {
    const [code = 'BENCH-BF', since = '2023-01-01'] = args;
    const secret = randomBytes(16).toString('hex');
    const sink = new Sink({ secrets: { [code]: secret } });
    const url = await sink.start();
    const started = Date.now();
    const result = await runCli(
      ['backfill', '--since', since, '--endpoint', code, '--page', '10000', '--json'],
      env({
        [`PLANSYNC_SECRET_${codeVariable(code)}`]: secret,
        [`PLANSYNC_ENDPOINT_URL_${codeVariable(code)}`]: url,
        PLANSYNC_CONSUMER: 'bench-backfill',
      }),
      7_200_000,
    );
    const seconds = (Date.now() - started) / 1000;
    await sink.stop();
    if (result.code !== 0)
      throw new Error(`backfill failed (exit ${result.code}): ${result.stdout.slice(-500)} ${result.stderr.slice(-500)}`);
    const report = JSON.parse(result.stdout) as unknown;
    console.log(
      `FIGURE ${JSON.stringify({ figure: 'backfill', delivered_at_endpoint: sink.received.length, duplicates: sink.duplicates, seconds, lines_per_second: Math.round(sink.received.length / seconds), report })}`,
    );
  } else {
    throw new Error(`usage: planning-bench.ts import <csv> | backfill <endpoint> <since>`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
