/**
 * The planning platform over HTTP (docs/planning.md, kind `planning`, an http(s) URL).
 *
 * Events: `POST <url>/events`, exactly as a webhook (the WebhookTarget does it).
 *
 * Runs: `GET <url>/runs?after=<cursor>` lists the runs newer than the cursor; each run's lines come in
 * pages from `GET <url>/runs/<ref>/lines?kind=<kind>&offset=<n>&limit=<n>` and are imported page by
 * page through the inbound pipeline (source: the endpoint code); then `POST <url>/runs/<ref>/result`
 * reports the counts and exceptions. Requests are signed as webhooks are (a GET over an empty body).
 *
 * Checkpoint (state store, `planning-runs:<code>`): the runs cursor advances only once every run of
 * the page was imported and its result accepted; in between it records the runs already finished and
 * the offset reached in the current one, so an interrupted poll resumes where it stopped and imports
 * nothing twice (and a page re-imported after a crash between Odoo's commit and the checkpoint comes
 * back `unchanged`: import_batch is idempotent).
 */
import http from 'node:http';
import https from 'node:https';
import got, { HTTPError, RequestError, type Got } from 'got';
import type { z } from 'zod';
import { LinesPage, RunsPage, formatIssues, type Envelope, type RunResult } from '../../../shared-types/index.ts';
import { TargetError } from '../../errors.ts';
import type { PlanSyncOdoo } from '../../odoo/client.ts';
import { DEFAULT_IMPORT_BATCH, emptyCounts, importLines, type StatusCounts } from '../../pipeline/inbound.ts';
import type { RetryPolicy } from '../../retry.ts';
import type { StateStore } from '../../state/store.ts';
import type { Logger } from '../../telemetry/log.ts';
import type { DeliveryOutcome, InboundSource, PollReport, Target } from '../target.ts';
import { sign } from '../webhook/signature.ts';
import { WebhookTarget, type WebhookOptions } from '../webhook/webhook.ts';

/** `https://plan.example/api/` → `https://plan.example/api`. */
const base = (url: string): string => url.replace(/\/+$/, '');

/** Events of a planning endpoint: the webhook protocol on `<url>/events`. */
export class PlanningHttpTarget implements Target {
  readonly code: string;
  private readonly events: WebhookTarget;

  constructor(options: WebhookOptions) {
    this.code = options.code;
    this.events = new WebhookTarget({ ...options, url: `${base(options.url)}/events` });
  }

  deliver(events: readonly Envelope[], signal?: AbortSignal): Promise<DeliveryOutcome> {
    return this.events.deliver(events, signal);
  }

  close(): void {
    this.events.close();
  }
}

export interface RunsPollerOptions {
  readonly code: string;
  /** The endpoint's base URL. */
  readonly url: string;
  readonly secret: string;
  readonly odoo: Pick<PlanSyncOdoo, 'importBatch'>;
  readonly state: Pick<StateStore, 'getCheckpoint' | 'setCheckpoint'>;
  readonly logger: Logger;
  /** Lines per page and per import_batch call. Default 500. */
  readonly batchSize?: number;
  /** Per-request timeout in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** got retries of one GET or POST (5xx, 429, network). Default 2. */
  readonly retryLimit?: number;
  /** Cap of one HTTP backoff in ms. Default 5000. */
  readonly backoffLimitMs?: number;
  /** Retries of import_batch. Default: the inbound pipeline's. */
  readonly importRetry?: RetryPolicy;
  /** Clock for signatures (seconds). */
  readonly now?: () => number;
}

/** A run in progress: where its import stopped. */
interface Current {
  readonly id: string;
  offset: number;
  counts: StatusCounts;
  exceptions: Array<{ external_id: string; reason: string }>;
  seen: string[];
  /** Every line imported: only the result is left to post. */
  imported: boolean;
}

export interface RunsCheckpoint {
  /** The runs cursor whose every run was imported and reported. */
  readonly cursor: string;
  /** Runs of the page after `cursor` already imported and reported (`<kind>:<ref>`). */
  readonly completed: readonly string[];
  readonly current?: Current;
}

const RETRY_STATUS = [408, 425, 429, 500, 502, 503, 504];
/** Pages of runs per poll, at most (a platform that never stops listing cannot hold the agent). */
const MAX_PAGES = 100;

export class PlanningRunsPoller implements InboundSource {
  readonly code: string;
  private readonly options: RunsPollerOptions;
  private readonly client: Got;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(options: RunsPollerOptions) {
    this.code = options.code;
    this.options = options;
    this.client = got.extend({
      agent: this.agents,
      timeout: { request: options.timeoutMs ?? 30_000 },
      retry: {
        limit: options.retryLimit ?? 2,
        methods: ['GET', 'POST'],
        statusCodes: RETRY_STATUS,
        backoffLimit: options.backoffLimitMs ?? 5000,
        noise: 50,
      },
      headers: { 'user-agent': 'plansync-agent' },
      responseType: 'text',
    });
  }

  get checkpointName(): string {
    return `planning-runs:${this.code}`;
  }

  private headers(body: string): Record<string, string> {
    const timestamp = Math.floor(this.options.now?.() ?? Date.now() / 1000);
    return { 'x-plansync-signature': sign(this.options.secret, timestamp, body), ...(body ? { 'content-type': 'application/json' } : {}) };
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    search: Record<string, string>,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const url = `${base(this.options.url)}${path}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    try {
      const response = await this.client(url, {
        method,
        searchParams: search,
        headers: this.headers(text),
        ...(text ? { body: text } : {}),
        ...(signal ? { signal } : {}),
      });
      if (!response.body) return undefined;
      try {
        return JSON.parse(response.body) as unknown;
      } catch {
        throw new TargetError('ERR_TARGET_REJECTED', 'config', `${this.code}: ${method} ${path} answered a body that is not JSON`);
      }
    } catch (error) {
      if (error instanceof TargetError) throw error;
      if (error instanceof HTTPError) {
        const status = error.response.statusCode;
        const excerpt = String(error.response.body ?? '')
          .replace(/\s+/g, ' ')
          .slice(0, 200);
        const kind = RETRY_STATUS.includes(status) ? 'transient' : 'config';
        throw new TargetError(
          'ERR_TARGET_UNAVAILABLE',
          kind,
          `${this.code}: ${method} ${path}: HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`,
          { status, cause: error },
        );
      }
      const code = error instanceof RequestError ? error.code : undefined;
      const timeout = code === 'ETIMEDOUT' || (error instanceof Error && error.name === 'TimeoutError');
      throw new TargetError(
        timeout ? 'ERR_TIMEOUT' : 'ERR_NETWORK',
        'transient',
        `${this.code}: ${method} ${path}: ${timeout ? 'timed out' : `network error (${code ?? (error as Error).message})`}`,
        { cause: error },
      );
    }
  }

  private async get<T>(
    schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: z.ZodError } },
    path: string,
    search: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T> {
    const raw = await this.request('GET', path, search, undefined, signal);
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      throw new TargetError(
        'ERR_TARGET_REJECTED',
        'config',
        `${this.code}: GET ${path} answered an unexpected shape: ${formatIssues(parsed.error, raw)}`,
      );
    return parsed.data;
  }

  private async save(checkpoint: RunsCheckpoint): Promise<void> {
    await this.options.state.setCheckpoint(this.checkpointName, checkpoint);
  }

  /** Import every run newer than the checkpoint; resumes an interrupted one where it stopped. */
  async poll(signal?: AbortSignal): Promise<PollReport> {
    const report = { items: 0, lines: 0, counts: emptyCounts() };
    let checkpoint: RunsCheckpoint = (await this.options.state.getCheckpoint<RunsCheckpoint>(this.checkpointName)) ?? {
      cursor: '',
      completed: [],
    };
    for (let page = 0; page < MAX_PAGES && !signal?.aborted; page++) {
      const runs = await this.get(RunsPage, '/runs', { after: checkpoint.cursor }, signal);
      for (const run of runs.runs) {
        const id = `${run.kind}:${run.ref}`;
        if (checkpoint.completed.includes(id)) continue;
        const current = await this.importRun(run, checkpoint, signal);
        report.items += 1;
        report.lines += current.offset;
        for (const status of Object.keys(report.counts) as Array<keyof StatusCounts>) report.counts[status] += current.counts[status];
        const result: RunResult = { kind: run.kind, counts: current.counts, exceptions: current.exceptions };
        await this.request('POST', `/runs/${encodeURIComponent(run.ref)}/result`, {}, result, signal);
        checkpoint = { cursor: checkpoint.cursor, completed: [...checkpoint.completed, id] };
        await this.save(checkpoint);
        this.options.logger.info(
          { endpoint: this.code, run: run.ref, kind: run.kind, ...current.counts },
          'planning run imported and reported',
        );
      }
      const moved = runs.cursor !== checkpoint.cursor;
      checkpoint = { cursor: runs.cursor, completed: [] };
      await this.save(checkpoint);
      if (runs.runs.length === 0 || !moved) break;
    }
    return report;
  }

  private async importRun(run: RunsPage['runs'][number], checkpoint: RunsCheckpoint, signal?: AbortSignal): Promise<Current> {
    const id = `${run.kind}:${run.ref}`;
    const current: Current =
      checkpoint.current?.id === id
        ? { ...checkpoint.current }
        : { id, offset: 0, counts: emptyCounts(), exceptions: [], seen: [], imported: false };
    const limit = this.options.batchSize ?? DEFAULT_IMPORT_BATCH;
    const path = `/runs/${encodeURIComponent(run.ref)}/lines`;
    while (!current.imported) {
      const page = await this.get(LinesPage, path, { kind: run.kind, offset: String(current.offset), limit: String(limit) }, signal);
      if (page.lines.length > 0) {
        const summary = await importLines(
          this.options.odoo,
          { source: this.code.slice(0, 64), externalRef: run.ref, kind: run.kind, generatedAt: run.generated_at ?? false },
          page.lines,
          {
            batchSize: Math.min(limit, 5000),
            firstIndex: current.offset,
            seen: new Set(current.seen),
            ...(this.options.importRetry ? { retry: this.options.importRetry } : {}),
            ...(signal ? { signal } : {}),
          },
        );
        for (const status of Object.keys(current.counts) as Array<keyof StatusCounts>) current.counts[status] += summary.counts[status];
        for (const o of summary.outcomes) {
          if (o.status === 'exception') current.exceptions.push({ external_id: o.external_id, reason: o.reason });
          if (o.external_id) current.seen.push(o.external_id);
        }
      }
      const next = page.next === false || page.lines.length === 0 ? current.offset + page.lines.length : page.next;
      current.imported = page.next === false || page.lines.length === 0 || next <= current.offset;
      current.offset = next;
      await this.save({ ...checkpoint, current });
    }
    return current;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
