/**
 * The agent's configuration: a JSON file (optional) plus the environment, validated once at start.
 *
 * Precedence, highest first: environment, file, the settings that admins keep in Odoo (sent back by
 * `heartbeat`), the defaults documented below. Secrets (the Odoo API key, the endpoints' signing
 * secrets) come from the environment or from a file named by `<VAR>_FILE`, never from the config
 * file, and are never logged: `redactedConfig()` is what may be printed.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { addSecret, addUrlSecrets, redactUrl } from './telemetry/redact.ts';
import type { TransportSetting } from './odoo/connect.ts';

const FileEndpoint = z
  .object({
    /** Overrides the URL set in Odoo (e.g. a local gateway); `file:///dir` for a planning endpoint that exchanges files. */
    url: z.url({ protocol: /^(https?|file)$/ }).optional(),
    /** false: this agent does not serve the endpoint. Default true. */
    enabled: z.boolean().optional(),
    /** Events per HTTP request. Default: the endpoint's batch size in Odoo (50). */
    batch_size: z.number().int().min(1).max(1000).optional(),
    /** Requests in flight at once. Default: Odoo's setting (2). */
    concurrency: z.number().int().min(1).max(64).optional(),
    /** Requests per second, 0 for none. Default: Odoo's setting (0). */
    rate_limit: z.number().min(0).max(10_000).optional(),
    /** Per-request timeout in seconds. Default: Odoo's setting (30). */
    timeout_seconds: z.number().min(0.1).max(600).optional(),
    /** Planning endpoints: seconds between two polls of the platform's runs (HTTP) or of the inbox (files). Default 300. */
    runs_poll_seconds: z.number().min(1).max(86_400).optional(),
    /** WMS endpoints: seconds between two polls of the WMS's `GET <url>/messages`, 0 for none (the WMS posts to the receiver). Default 0. */
    wms_poll_seconds: z.number().min(0).max(86_400).optional(),
  })
  .strict();

const FileConfig = z
  .object({
    odoo: z
      .object({
        /** Base URL of Odoo, e.g. http://127.0.0.1:8069. Env ODOO_URL. */
        url: z.url({ protocol: /^https?$/ }).optional(),
        /** Database. Env ODOO_DB. */
        db: z.string().min(1).optional(),
        /** Login of the integration user. Env ODOO_LOGIN. */
        login: z.string().min(1).optional(),
        /**
         * auto (default): asked from the server's version at the first call (json2 from Odoo 19, jsonrpc for
         * 17 and 18; agent/odoo/version.ts); or jsonrpc, json2, xmlrpc, used without asking. Env PLANSYNC_TRANSPORT.
         */
        transport: z.enum(['auto', 'jsonrpc', 'json2', 'xmlrpc']).optional(),
        /** Per-call timeout in seconds. Default 30. */
        timeout_seconds: z.number().min(0.1).max(600).optional(),
      })
      .strict()
      .optional(),
    /** Name of this agent in Odoo. Default `<hostname>:<pid>`. Env PLANSYNC_CONSUMER. */
    consumer: z.string().min(1).max(128).optional(),
    /**
     * Where receipts live: `sqlite://<path>` (default `sqlite://.plansync/state.sqlite`), `redis://…`,
     * `postgres://…` (shared by several agents), or `memory://`. Env PLANSYNC_STATE.
     */
    state: z
      .string()
      .regex(/^(sqlite|redis|rediss|postgres|postgresql|memory):\/\//, 'a URL sqlite://, redis://, postgres:// or memory://')
      .optional(),
    /** Days a delivery receipt is kept. Default 7. */
    receipt_ttl_days: z.number().min(0.001).max(365).optional(),
    /** Events claimed per call. Default: Odoo's batch size setting (100). */
    claim_limit: z.number().int().min(1).max(1000).optional(),
    /** Lease of a claim in seconds. Default: Odoo's lease setting (60). */
    lease_seconds: z.number().int().min(5).max(3600).optional(),
    /** Seconds between polls when the outbox is empty. Default: Odoo's poll setting (1). */
    poll_seconds: z.number().min(0.05).max(3600).optional(),
    /** Log level. Default info. Env PLANSYNC_LOG_LEVEL. */
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    /** Serve Prometheus metrics and /healthz on this port (127.0.0.1). Default off. Env PLANSYNC_METRICS_PORT. */
    metrics_port: z.number().int().min(1).max(65535).optional(),
    /** The embedded planner (docs/planner.md): `plansync plan`, and the daemon's schedule. */
    planner: z
      .object({
        /** auto (default): the daemon plans when no planning endpoint is active in Odoo; true: always; false: never. Env PLANSYNC_PLANNER. */
        enabled: z.union([z.literal('auto'), z.boolean()]).optional(),
        /** Hours between two scheduled plans of the daemon. Default 24. */
        every_hours: z
          .number()
          .min(0.01)
          .max(24 * 31)
          .optional(),
        /** Weeks of demand history read from Odoo. Default 156 (three years). */
        history_weeks: z.number().int().min(1).max(260).optional(),
        /** Weeks of forecast imported per product and warehouse (0: none). Default 13. */
        horizon_weeks: z.number().int().min(0).max(104).optional(),
        /** Weeks between two orders of one item (review period of the order-up-to level). Default 1. */
        review_weeks: z.number().int().min(1).max(52).optional(),
        /** Warehouse codes planned by the daemon. Default: all the integration user's warehouses. */
        warehouses: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    /** The WMS receiver (docs/inventory.md): where WMS endpoints post their messages. */
    wms: z
      .object({
        /** Port of `POST /wms/<code>/messages`; 0: no receiver. Default 0. Env PLANSYNC_WMS_PORT. */
        port: z.number().int().min(0).max(65535).optional(),
        /** Interface to listen on. Default 127.0.0.1 (put a TLS proxy in front). Env PLANSYNC_WMS_HOST. */
        host: z.string().min(1).optional(),
        /** Seconds a signed request stays acceptable (clock skew and replay window). Default 300. */
        replay_window_seconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict()
      .optional(),
    /** Scheduled reconciliation of the daemon (`plansync reconcile` on demand). */
    reconcile: z
      .object({
        /** Hours between two reconciliations of every WMS and channel endpoint; 0: never. Default 24. */
        every_hours: z
          .number()
          .min(0)
          .max(24 * 31)
          .optional(),
      })
      .strict()
      .optional(),
    /** Per endpoint code: overrides of what Odoo says. */
    endpoints: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), FileEndpoint).optional(),
  })
  .strict();
export type FileConfig = z.infer<typeof FileConfig>;
export type EndpointOverride = z.infer<typeof FileEndpoint>;

export interface AgentConfig {
  readonly odoo: {
    readonly url: string;
    readonly db: string;
    readonly login: string;
    readonly apiKey: string;
    /** `auto` unless configured: see agent/odoo/connect.ts. */
    readonly transport: TransportSetting;
    readonly timeoutMs: number;
  };
  readonly consumer: string;
  readonly state: string;
  readonly receiptTtlMs: number;
  readonly claimLimit: number | undefined;
  readonly leaseSeconds: number | undefined;
  readonly pollSeconds: number | undefined;
  readonly logLevel: NonNullable<FileConfig['log_level']>;
  readonly metricsPort: number | undefined;
  readonly planner: {
    readonly enabled: 'auto' | boolean;
    readonly everyHours: number;
    readonly historyWeeks: number;
    readonly horizonWeeks: number;
    readonly reviewWeeks: number;
    readonly warehouses: readonly string[] | false;
  };
  readonly wms: { readonly port: number; readonly host: string; readonly replayWindowSeconds: number };
  readonly reconcile: { readonly everyHours: number };
  /** Overrides per endpoint, keyed by `codeVariable(code)`: use `overrideFor`. */
  readonly endpoints: Readonly<Record<string, EndpointOverride>>;
  /** Signing secrets keyed by `codeVariable(code)`, from PLANSYNC_SECRET_<CODE>[_FILE]: use `secretFor`. */
  readonly secrets: Readonly<Record<string, string>>;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** An endpoint code as it appears in variable names: upper-cased, every character outside A-Z 0-9 turned into `_`. */
export const codeVariable = (code: string): string => code.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** The environment variable that holds an endpoint's signing secret: `PLANSYNC_SECRET_<CODE>`. */
export const secretVariable = (code: string): string => `PLANSYNC_SECRET_${codeVariable(code)}`;

/** The value of VAR, or the content of the file named by VAR_FILE (trailing newline trimmed). */
export const readSecret = (
  env: Env,
  name: string,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): string | undefined => {
  const direct = env[name];
  if (direct !== undefined && direct !== '') {
    addSecret(direct);
    return direct;
  }
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  let content: string;
  try {
    content = readFile(file);
  } catch (error) {
    throw new ConfigError(`${name}_FILE: cannot read ${JSON.stringify(file)} (${(error as Error).message})`, { cause: error });
  }
  const value = content.replace(/\r?\n$/, '');
  if (value === '') throw new ConfigError(`${name}_FILE: the file ${JSON.stringify(file)} is empty`);
  addSecret(value);
  return value;
};

const SECRET_KEYS = /(^|_)(api_?key|apikey|secret|password|token)$/i;
/** The camelCase spelling (`signingSecret`, `odooApiKey`): the strict schema would refuse it too, but quote its value. */
const CAMEL_SECRET_KEYS = /[a-z0-9](Api_?Key|Apikey|Secret|Password|Token)$/;

const findSecretKeys = (value: unknown, path: string[] = []): string[] => {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => {
    const here = [...path, key];
    return SECRET_KEYS.test(key) || CAMEL_SECRET_KEYS.test(key) ? [here.join('.')] : findSecretKeys(inner, here);
  });
};

/**
 * A value fit to quote in a configuration error: numbers, booleans and short strings as they are (the
 * user info of a URL redacted), objects and arrays by their kind only (they may hold keys the schema
 * does not know, whose values are never echoed).
 */
export const quoteValue = (value: unknown): string => {
  if (value === undefined) return 'missing';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(redactUrl(value.length > 80 ? `${value.slice(0, 80)}…` : value));
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
};

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (current, key) => (current !== null && typeof current === 'object' ? (current as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );

/**
 * Zod's issues as `path: problem (got value)`. An unknown key is named with the kind of problem and
 * never its value (the secret filter cannot know every spelling of a secret: `"key"`, `"token2"`).
 */
export const formatConfigIssues = (error: z.ZodError, input: unknown): string =>
  error.issues
    .flatMap((issue) => {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((key) => `${[...path, key].join('.')}: unknown key (its value is not shown)`);
      return [`${path.join('.') || '(root)'}: ${issue.message} (got ${quoteValue(valueAt(input, issue.path))})`];
    })
    .slice(0, 5)
    .join('; ');

/** Parse and validate the config file's text. Errors name the key, and quote the value only of known, non-secret keys. */
export const parseConfigFile = (text: string, source: string): FileConfig => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // Node quotes an excerpt of the text in the message: keep the position, never the text.
    const message = (error as Error).message.replace(/,?\s*(\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, '');
    throw new ConfigError(`${source}: not valid JSON (${message})`);
  }
  const secrets = findSecretKeys(raw);
  if (secrets.length > 0) {
    throw new ConfigError(
      `${source}: ${secrets.map((k) => JSON.stringify(k)).join(', ')}: secrets do not belong in the config file; ` +
        'set ODOO_API_KEY / PLANSYNC_SECRET_<CODE> in the environment or point ODOO_API_KEY_FILE / PLANSYNC_SECRET_<CODE>_FILE at a file',
    );
  }
  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source}: ${formatConfigIssues(parsed.error, raw)}`);
  return parsed.data;
};

const envNumber = (env: Env, name: string): number | undefined => {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new ConfigError(`${name}: expected a number, got ${JSON.stringify(value)}`);
  return number;
};

export interface LoadOptions {
  /** Path of the JSON config file; `PLANSYNC_CONFIG` when absent; no file when neither is set. */
  readonly file?: string | undefined;
  readonly env?: Env;
  /** Require the Odoo connection settings (every command but `demo` on the stand-in). Default true. */
  readonly requireOdoo?: boolean;
  readonly readFile?: (path: string) => string;
}

/** Load, merge and validate the configuration. Throws ConfigError naming the key and the value. */
export const loadConfig = (options: LoadOptions = {}): AgentConfig => {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const path = options.file ?? env.PLANSYNC_CONFIG;
  let file: FileConfig = {};
  if (path) {
    let text: string;
    try {
      text = readFile(path);
    } catch (error) {
      throw new ConfigError(`config file ${JSON.stringify(path)} cannot be read (${(error as Error).message})`, { cause: error });
    }
    file = parseConfigFile(text, path);
  }

  // The environment wins over the file; validate the merged values with the same schema so that a bad
  // environment value is reported with its variable name.
  const fromEnv = {
    url: env.ODOO_URL,
    db: env.ODOO_DB,
    login: env.ODOO_LOGIN ?? env.ODOO_USER,
    transport: env.PLANSYNC_TRANSPORT,
  };
  const odooInput = { ...file.odoo, ...Object.fromEntries(Object.entries(fromEnv).filter(([, v]) => v !== undefined && v !== '')) };
  const odooParsed = FileConfig.shape.odoo.safeParse(odooInput);
  if (!odooParsed.success) {
    const names: Record<string, string> = { url: 'ODOO_URL', db: 'ODOO_DB', login: 'ODOO_LOGIN', transport: 'PLANSYNC_TRANSPORT' };
    const issue = odooParsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const where = fromEnv[key as keyof typeof fromEnv] ? names[key] : `odoo.${key}`;
    throw new ConfigError(`${where}: ${issue?.message ?? 'invalid'} (got ${quoteValue(odooInput[key as keyof typeof odooInput])})`);
  }
  const odoo = odooParsed.data ?? {};
  const apiKey = readSecret(env, 'ODOO_API_KEY', readFile);
  if (options.requireOdoo ?? true) {
    const missing = [
      !odoo.url && 'ODOO_URL (or odoo.url)',
      !odoo.db && 'ODOO_DB (or odoo.db)',
      !odoo.login && 'ODOO_LOGIN (or odoo.login)',
      !apiKey && 'ODOO_API_KEY (or ODOO_API_KEY_FILE)',
    ].filter(Boolean);
    if (missing.length > 0) throw new ConfigError(`missing Odoo connection settings: ${missing.join(', ')}`);
  }

  const stateValue = env.PLANSYNC_STATE || file.state || 'sqlite://.plansync/state.sqlite';
  const stateParsed = FileConfig.shape.state.safeParse(stateValue);
  if (!stateParsed.success)
    throw new ConfigError(
      `${env.PLANSYNC_STATE ? 'PLANSYNC_STATE' : 'state'}: must be a URL sqlite://, redis://, postgres:// or memory:// (got ${quoteValue(stateValue)})`,
    );

  const logLevel = env.PLANSYNC_LOG_LEVEL || file.log_level || 'info';
  const levelParsed = FileConfig.shape.log_level.safeParse(logLevel);
  if (!levelParsed.success)
    throw new ConfigError(
      `PLANSYNC_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got ${JSON.stringify(logLevel)})`,
    );

  const metricsPort = envNumber(env, 'PLANSYNC_METRICS_PORT') ?? file.metrics_port;
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 1 && metricsPort <= 65535)) {
    throw new ConfigError(`PLANSYNC_METRICS_PORT: must be a port from 1 to 65535 (got ${JSON.stringify(metricsPort)})`);
  }

  const wmsPort = envNumber(env, 'PLANSYNC_WMS_PORT') ?? file.wms?.port ?? 0;
  if (!(Number.isInteger(wmsPort) && wmsPort >= 0 && wmsPort <= 65535))
    throw new ConfigError(`PLANSYNC_WMS_PORT: must be a port from 0 (no receiver) to 65535 (got ${JSON.stringify(wmsPort)})`);

  const consumer = env.PLANSYNC_CONSUMER || file.consumer || `${hostname()}:${process.pid}`;
  if (consumer.length > 128) throw new ConfigError(`PLANSYNC_CONSUMER: at most 128 characters (got ${consumer.length})`);

  const plannerEnv = env.PLANSYNC_PLANNER;
  let plannerEnabled: 'auto' | boolean = file.planner?.enabled ?? 'auto';
  if (plannerEnv) {
    const known: Record<string, 'auto' | boolean> = { auto: 'auto', on: true, true: true, '1': true, off: false, false: false, '0': false };
    const value = known[plannerEnv.toLowerCase()];
    if (value === undefined) throw new ConfigError(`PLANSYNC_PLANNER: must be auto, on or off (got ${JSON.stringify(plannerEnv)})`);
    plannerEnabled = value;
  }

  const endpoints: Record<string, EndpointOverride> = {};
  for (const [code, override] of Object.entries(file.endpoints ?? {})) endpoints[codeVariable(code)] = override;
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const url = /^PLANSYNC_ENDPOINT_URL_(.+)$/.exec(name);
    if (url?.[1] && value) {
      const parsed = FileEndpoint.shape.url.safeParse(value);
      if (!parsed.success)
        throw new ConfigError(`${name}: must be an http(s):// URL, or file:///dir for a planning endpoint (got ${quoteValue(value)})`);
      endpoints[codeVariable(url[1])] = { ...endpoints[codeVariable(url[1])], url: value };
    }
    const secret = /^PLANSYNC_SECRET_(.+?)(_FILE)?$/.exec(name);
    if (secret?.[1]) {
      const found = readSecret(env, `PLANSYNC_SECRET_${secret[1]}`, readFile);
      if (found !== undefined) secrets[secret[1]] = found;
    }
  }

  for (const url of [odoo.url, stateParsed.data, ...Object.values(endpoints).map((e) => e.url)]) addUrlSecrets(url);
  return {
    odoo: {
      url: (odoo.url ?? '').replace(/\/+$/, ''),
      db: odoo.db ?? '',
      login: odoo.login ?? '',
      apiKey: apiKey ?? '',
      transport: odoo.transport ?? 'auto',
      timeoutMs: Math.round((odoo.timeout_seconds ?? 30) * 1000),
    },
    consumer,
    state: stateParsed.data ?? 'sqlite://.plansync/state.sqlite',
    receiptTtlMs: Math.round((file.receipt_ttl_days ?? 7) * 86_400_000),
    claimLimit: file.claim_limit,
    leaseSeconds: file.lease_seconds,
    pollSeconds: file.poll_seconds,
    logLevel: levelParsed.data ?? 'info',
    metricsPort,
    planner: {
      enabled: plannerEnabled,
      everyHours: file.planner?.every_hours ?? 24,
      historyWeeks: file.planner?.history_weeks ?? 156,
      horizonWeeks: file.planner?.horizon_weeks ?? 13,
      reviewWeeks: file.planner?.review_weeks ?? 1,
      warehouses: file.planner?.warehouses ?? false,
    },
    wms: {
      port: wmsPort,
      host: env.PLANSYNC_WMS_HOST || file.wms?.host || '127.0.0.1',
      replayWindowSeconds: file.wms?.replay_window_seconds ?? 300,
    },
    reconcile: { everyHours: file.reconcile?.every_hours ?? 24 },
    endpoints,
    secrets,
  };
};

/** The signing secret of an endpoint code, or undefined. */
export const secretFor = (config: Pick<AgentConfig, 'secrets'>, code: string): string | undefined => config.secrets[codeVariable(code)];

/** The local overrides of an endpoint code (file `endpoints.<code>` and PLANSYNC_ENDPOINT_URL_<CODE>). */
export const overrideFor = (config: Pick<AgentConfig, 'endpoints'>, code: string): EndpointOverride =>
  config.endpoints[codeVariable(code)] ?? {};

/** The configuration with every secret replaced, safe to print. */
export const redactedConfig = (config: AgentConfig): unknown => ({
  ...config,
  odoo: { ...config.odoo, url: redactUrl(config.odoo.url), apiKey: config.odoo.apiKey ? '[redacted]' : '(missing)' },
  state: redactUrl(config.state),
  endpoints: Object.fromEntries(Object.entries(config.endpoints).map(([k, e]) => [k, e.url ? { ...e, url: redactUrl(e.url) } : e])),
  secrets: Object.fromEntries(Object.keys(config.secrets).map((k) => [k, '[redacted]'])),
});
