/**
 * Fuzz: the agent's configuration (agent/config.ts), its file and its environment. A valid
 * configuration with one key or variable made hostile is either accepted or refused with a
 * ConfigError naming that key (`odoo.timeout_seconds`, `endpoints.WMS.batch_size`) or variable
 * (`PLANSYNC_METRICS_PORT`); nothing else is thrown, whatever the text of the file; and the API key
 * never appears in an error.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, parseConfigFile, type Env } from '../../agent/config.ts';
import { ConfigError } from '../../agent/errors.ts';
import { fuzz, hostileNumber, hostileString, junk, printEdge } from '../support/fuzz.ts';

const EDGE = 'configuration';
const API_KEY = 'fuzz-api-key-5c1e9d0b7a';
const ENV: Env = { ODOO_URL: 'http://127.0.0.1:8069', ODOO_DB: 'prod', ODOO_LOGIN: 'plansync', ODOO_API_KEY: API_KEY };
const FILE = {
  odoo: { url: 'http://127.0.0.1:8069', db: 'prod', login: 'plansync', transport: 'jsonrpc', timeout_seconds: 30 },
  consumer: 'agent-1',
  state: 'memory://',
  receipt_ttl_days: 7,
  claim_limit: 100,
  lease_seconds: 60,
  poll_seconds: 1,
  log_level: 'info',
  metrics_port: 9464,
  planner: { enabled: 'auto', every_hours: 24, history_weeks: 156, horizon_weeks: 13, review_weeks: 1, warehouses: ['WH'] },
  wms: { port: 0, host: '127.0.0.1', replay_window_seconds: 300 },
  reconcile: { every_hours: 24 },
  endpoints: {
    WMS: {
      url: 'https://wms.example.test',
      enabled: true,
      batch_size: 50,
      concurrency: 2,
      rate_limit: 0,
      timeout_seconds: 30,
      runs_poll_seconds: 300,
      wms_poll_seconds: 0,
    },
  },
};

/** Every leaf path of the valid file. */
const leaves = (value: unknown, path: string[] = []): string[][] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))
    : [path];
const PATHS = leaves(FILE);

const setAt = (object: unknown, path: readonly string[], value: unknown): unknown => {
  const copy = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
  let here: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) here = here[key] as Record<string, unknown>;
  const last = path.at(-1) as string;
  if (value === undefined) delete here[last];
  else here[last] = value;
  return copy;
};

const hostile = (): fc.Arbitrary<unknown> =>
  fc.oneof(hostileString(), hostileNumber(), junk(), fc.constantFrom(-1, 0, 1e308, 0.5, '', 'true', null, true, [], {}));

const configError = (fn: () => unknown): ConfigError | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw new Error(`threw ${String(error)} instead of a ConfigError`, { cause: error });
    return error;
  }
};

const test = suite('fuzz: configuration');
test.after(() => printEdge(EDGE));

test('the file with one hostile value: accepted, or a ConfigError naming its key path', async () => {
  await fuzz(
    EDGE,
    'one hostile value in the file',
    fc.record({ path: fc.constantFrom(...PATHS), value: hostile() }),
    ({ path, value }) => {
      const text = JSON.stringify(setAt(FILE, path, value));
      const error = configError(() => loadConfig({ file: '/etc/plansync.json', env: ENV, readFile: () => text }));
      if (!error) return;
      // a key whose value is itself an object reports the nested key that failed
      assert.ok(
        error.message.includes(path.join('.')),
        `${path.join('.')} = ${JSON.stringify(value)?.slice(0, 80)}: ${error.message.slice(0, 300)}`,
      );
      assert.not.ok(error.message.includes(API_KEY));
    },
    { runs: 1500 },
  );
});

test('an unknown key anywhere: refused naming it', async () => {
  const key = fc
    .string({ minLength: 1, maxLength: 12 })
    .filter(
      (k) =>
        !/(api_?key|apikey|secret|password|token)$/i.test(k) &&
        !/[a-z0-9](Api_?Key|Apikey|Secret|Password|Token)$/.test(k) &&
        !['__proto__', 'constructor'].includes(k),
    );
  const parents = [[], ['odoo'], ['planner'], ['wms'], ['reconcile'], ['endpoints', 'WMS']] as const;
  await fuzz(
    EDGE,
    'unknown keys',
    fc.record({ parent: fc.constantFrom(...parents), key, value: junk() }),
    ({ parent, key: name, value }) => {
      const here = parent.reduce<Record<string, unknown>>(
        (o, k) => o[k] as Record<string, unknown>,
        JSON.parse(JSON.stringify(FILE)) as Record<string, unknown>,
      );
      if (name in here) return;
      const file = setAt(FILE, [...parent, name], value ?? 0);
      const error = configError(() => parseConfigFile(JSON.stringify(file), 'config.json'));
      assert.ok(error, `unknown key ${[...parent, name].join('.')} accepted`);
      assert.ok(error?.message.includes(name), `the error names ${name}: ${error?.message.slice(0, 300)}`);
    },
    { runs: 800 },
  );
});

test('any text as the file: a config, or a ConfigError; never another exception', async () => {
  await fuzz(
    EDGE,
    'any text as the file',
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.constantFrom(
        '{"odoo": null}',
        '{"endpoints": {"": {}}}',
        '{"endpoints": {"A B": {}}}',
        '{"__proto__": {"x": 1}}',
        '[]',
        'null',
        '1e400',
      ),
    ),
    (text) => {
      configError(() => parseConfigFile(text, 'config.json'));
    },
    { runs: 1500 },
  );
});

const VARIABLES = [
  'ODOO_URL',
  'ODOO_DB',
  'ODOO_LOGIN',
  'PLANSYNC_TRANSPORT',
  'PLANSYNC_STATE',
  'PLANSYNC_LOG_LEVEL',
  'PLANSYNC_METRICS_PORT',
  'PLANSYNC_WMS_PORT',
  'PLANSYNC_CONSUMER',
  'PLANSYNC_PLANNER',
  'PLANSYNC_ENDPOINT_URL_WMS',
] as const;

test('one hostile environment variable: accepted, or a ConfigError naming the variable; the API key never in the error', async () => {
  await fuzz(
    EDGE,
    'one hostile environment variable',
    fc.record({
      name: fc.constantFrom(...VARIABLES),
      value: fc.oneof(
        hostileString(),
        hostileNumber().map(String),
        fc.constantFrom('1e308', '-1', '65536', '0x50', 'NaN', 'http://', 'ftp://x', 'javascript:alert(1)'),
      ),
    }),
    ({ name, value }) => {
      const error = configError(() => loadConfig({ env: { ...ENV, [name]: value } }));
      if (!error) return;
      assert.ok(error.message.includes(name), `${name} = ${JSON.stringify(value).slice(0, 80)}: ${error.message.slice(0, 300)}`);
      assert.not.ok(error.message.includes(API_KEY), `the API key is in the error: ${error.message.slice(0, 300)}`);
    },
    { runs: 1500 },
  );
});

test.run();
