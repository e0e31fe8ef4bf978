/**
 * Writes docs/schema/plansync.schema.json: the JSON Schema of the envelope and of every payload,
 * generated from the runtime schemas so that the docs can never drift from what the agent checks.
 * `npm run schema` rewrites it; test/unit/shared-types.test.ts fails when the committed file is stale.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  EnvelopeBase,
  ForecastLine,
  HeartbeatResult,
  ImportResult,
  LinesPage,
  PAYLOADS,
  PlanningSnapshot,
  ProposalLine,
  RunsPage,
  SCHEMA_VERSION,
} from './index.ts';

export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'schema', 'plansync.schema.json');

export const buildJsonSchema = (): Record<string, unknown> => {
  const defs: Record<string, unknown> = {
    envelope: z.toJSONSchema(EnvelopeBase, { target: 'draft-2020-12' }),
    heartbeat_result: z.toJSONSchema(HeartbeatResult, { target: 'draft-2020-12' }),
    forecast_line: z.toJSONSchema(ForecastLine, { target: 'draft-2020-12', io: 'input' }),
    proposal_line: z.toJSONSchema(ProposalLine, { target: 'draft-2020-12', io: 'input' }),
    import_result: z.toJSONSchema(ImportResult, { target: 'draft-2020-12' }),
    runs_page: z.toJSONSchema(RunsPage, { target: 'draft-2020-12' }),
    lines_page: z.toJSONSchema(LinesPage, { target: 'draft-2020-12' }),
    planning_snapshot: z.toJSONSchema(PlanningSnapshot, { target: 'draft-2020-12' }),
  };
  for (const [type, schema] of Object.entries(PAYLOADS)) {
    defs[type] = z.toJSONSchema(schema, { target: 'draft-2020-12' });
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://plansync.dev/schema/plansync.schema.json',
    title: `PlanSync canonical model, schema ${SCHEMA_VERSION}`,
    description: 'Envelope and payload of every event type; see docs/events.md.',
    $defs: defs,
  };
};

export const renderJsonSchema = (): string => `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
  writeFileSync(SCHEMA_FILE, renderJsonSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
