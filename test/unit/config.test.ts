import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  codeVariable,
  loadConfig,
  overrideFor,
  parseConfigFile,
  readSecret,
  redactedConfig,
  secretFor,
  type Env,
} from '../../agent/config.ts';
import { ConfigError } from '../../agent/errors.ts';
import { scrub } from '../../agent/telemetry/redact.ts';
import { effectiveEndpoint } from '../../agent/targets/index.ts';
import type { EndpointConfig } from '../../shared-types/index.ts';

const API_KEY = 'odoo-key-7f3a9c21d4e5';
const ODOO: Env = { ODOO_URL: 'https://erp.example.test', ODOO_DB: 'prod', ODOO_LOGIN: 'plansync', ODOO_API_KEY: API_KEY };
const CONFIG_PATH = '/etc/plansync/config.json';

/** A readFile over an in-memory set of files; any other path fails like fs does. */
const files =
  (contents: Record<string, string>) =>
  (path: string): string => {
    const text = contents[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return text;
  };

const configError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    assert.instance(error, ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
};

const withFile = (file: unknown, env: Env = ODOO) =>
  loadConfig({ file: CONFIG_PATH, env, readFile: files({ [CONFIG_PATH]: JSON.stringify(file) }) });

// ---- defaults and precedence ----

test('a complete environment and no file gives the documented defaults (transport auto, 30 s, sqlite state, info, 7 days)', () => {
  const config = loadConfig({ env: { ...ODOO, ODOO_URL: 'https://erp.example.test//' } });
  assert.equal(config.odoo, {
    url: 'https://erp.example.test',
    db: 'prod',
    login: 'plansync',
    apiKey: API_KEY,
    transport: 'auto',
    timeoutMs: 30_000,
  });
  assert.is(config.state, 'sqlite://.plansync/state.sqlite');
  assert.is(config.logLevel, 'info');
  assert.is(config.receiptTtlMs, 7 * 86_400_000);
  assert.is(config.metricsPort, undefined);
  assert.ok(config.consumer.endsWith(`:${process.pid}`), config.consumer);
  assert.equal(config.endpoints, {});
  assert.equal(config.secrets, {});
});

test('the environment wins over the file for every setting both can give', () => {
  const config = withFile(
    {
      odoo: { url: 'https://file.example.test', db: 'file_db', login: 'file_login', transport: 'xmlrpc' },
      state: 'sqlite:///var/lib/file.sqlite',
      log_level: 'warn',
      metrics_port: 9100,
      consumer: 'file-consumer',
    },
    {
      ...ODOO,
      ODOO_URL: 'https://env.example.test',
      ODOO_DB: 'env_db',
      ODOO_LOGIN: 'env_login',
      PLANSYNC_TRANSPORT: 'json2',
      PLANSYNC_STATE: 'memory://',
      PLANSYNC_LOG_LEVEL: 'debug',
      PLANSYNC_METRICS_PORT: '9200',
      PLANSYNC_CONSUMER: 'env-consumer',
    },
  );
  assert.is(config.odoo.url, 'https://env.example.test');
  assert.is(config.odoo.db, 'env_db');
  assert.is(config.odoo.login, 'env_login');
  assert.is(config.odoo.transport, 'json2');
  assert.is(config.state, 'memory://');
  assert.is(config.logLevel, 'debug');
  assert.is(config.metricsPort, 9200);
  assert.is(config.consumer, 'env-consumer');
});

test('the file gives what the environment does not (empty variables count as unset)', () => {
  const config = withFile(
    {
      odoo: { url: 'https://file.example.test/', db: 'file_db', login: 'file_login', transport: 'xmlrpc', timeout_seconds: 2.5 },
      state: 'memory://',
      log_level: 'warn',
      metrics_port: 9100,
      consumer: 'file-consumer',
      receipt_ttl_days: 0.5,
      claim_limit: 25,
      lease_seconds: 90,
      poll_seconds: 0.25,
    },
    { ODOO_API_KEY: API_KEY, ODOO_URL: '', ODOO_DB: '', PLANSYNC_STATE: '', PLANSYNC_LOG_LEVEL: '', PLANSYNC_METRICS_PORT: '' },
  );
  assert.equal(config.odoo, {
    url: 'https://file.example.test',
    db: 'file_db',
    login: 'file_login',
    apiKey: API_KEY,
    transport: 'xmlrpc',
    timeoutMs: 2500,
  });
  assert.is(config.state, 'memory://');
  assert.is(config.logLevel, 'warn');
  assert.is(config.metricsPort, 9100);
  assert.is(config.consumer, 'file-consumer');
  assert.is(config.receiptTtlMs, 43_200_000);
  assert.is(config.claimLimit, 25);
  assert.is(config.leaseSeconds, 90);
  assert.is(config.pollSeconds, 0.25);
});

test('PLANSYNC_CONFIG names the config file when no file option is given; an unreadable file is a ConfigError naming it', () => {
  const config = loadConfig({ env: { ...ODOO, PLANSYNC_CONFIG: CONFIG_PATH }, readFile: files({ [CONFIG_PATH]: '{"claim_limit": 7}' }) });
  assert.is(config.claimLimit, 7);
  const error = configError(() => loadConfig({ env: { ...ODOO, PLANSYNC_CONFIG: '/nowhere.json' }, readFile: files({}) }));
  assert.match(error.message, '"/nowhere.json"');
  assert.match(error.message, 'ENOENT');
});

// ---- missing settings ----

test('every missing Odoo setting is listed in one error', () => {
  const error = configError(() => loadConfig({ env: {} }));
  for (const name of ['ODOO_URL', 'ODOO_DB', 'ODOO_LOGIN', 'ODOO_API_KEY']) assert.match(error.message, name);
  assert.is(error.code, 'ERR_CONFIG');
  assert.is(error.kind, 'config');

  const partial = configError(() => loadConfig({ env: { ODOO_URL: ODOO.ODOO_URL, ODOO_LOGIN: 'plansync' } }));
  assert.match(partial.message, 'ODOO_DB');
  assert.match(partial.message, 'ODOO_API_KEY');
  assert.not.match(partial.message, 'ODOO_URL');
  assert.not.match(partial.message, 'ODOO_LOGIN');
});

test('ODOO_USER stands in for ODOO_LOGIN; requireOdoo: false accepts a missing connection', () => {
  const { ODOO_LOGIN: _login, ...rest } = ODOO;
  assert.is(loadConfig({ env: { ...rest, ODOO_USER: 'legacy-user' } }).odoo.login, 'legacy-user');
  const config = loadConfig({ env: {}, requireOdoo: false });
  assert.is(config.odoo.url, '');
  assert.is(config.odoo.apiKey, '');
});

// ---- malformed values: the key or variable is named and the value quoted ----

const malformedEnv: ReadonlyArray<[string, string, string]> = [
  ['ODOO_URL', 'erp.example.test', '"erp.example.test"'],
  ['ODOO_URL', 'ftp://erp.example.test', '"ftp://erp.example.test"'],
  ['PLANSYNC_TRANSPORT', 'soap', '"soap"'],
  ['PLANSYNC_STATE', 'mysql://x', '"mysql://x"'],
  ['PLANSYNC_LOG_LEVEL', 'loud', '"loud"'],
  ['PLANSYNC_METRICS_PORT', '99999', '99999'],
  ['PLANSYNC_METRICS_PORT', 'nine', '"nine"'],
  ['PLANSYNC_METRICS_PORT', '80.5', '80.5'],
  ['PLANSYNC_ENDPOINT_URL_WMS_EU', 'not a url', '"not a url"'],
];

for (const [name, value, quoted] of malformedEnv) {
  test(`${name}=${JSON.stringify(value)} fails with a ConfigError naming ${name} and quoting the value`, () => {
    const error = configError(() => loadConfig({ env: { ...ODOO, [name]: value } }));
    assert.ok(error.message.startsWith(`${name}:`), error.message);
    assert.match(error.message, quoted);
  });
}

test('a malformed environment value is blamed on the variable even when the file holds a valid one', () => {
  const error = configError(() => withFile({ odoo: { url: 'https://file.example.test' } }, { ...ODOO, ODOO_URL: 'nope' }));
  assert.match(error.message, /^ODOO_URL: .*"nope"/);
});

const malformedFile: ReadonlyArray<[string, unknown, string, string]> = [
  ['odoo.url not a URL', { odoo: { url: 'erp.example.test' } }, 'odoo.url', '"erp.example.test"'],
  ['odoo.transport soap', { odoo: { transport: 'soap' } }, 'odoo.transport', '"soap"'],
  ['state mysql://x', { state: 'mysql://x' }, 'state', '"mysql://x"'],
  ['log_level loud', { log_level: 'loud' }, 'log_level', '"loud"'],
  ['metrics_port 99999', { metrics_port: 99999 }, 'metrics_port', '99999'],
  ['claim_limit of the wrong type', { claim_limit: 'ten' }, 'claim_limit', '"ten"'],
  ['odoo.timeout_seconds of the wrong type', { odoo: { timeout_seconds: '30' } }, 'odoo.timeout_seconds', '"30"'],
  ['endpoints.<code>.batch_size out of range', { endpoints: { 'wms-eu': { batch_size: 0 } } }, 'endpoints.wms-eu.batch_size', '0'],
  ['an unknown top-level key', { pol_seconds: 1 }, 'pol_seconds', 'pol_seconds'],
  // An unknown key is named, its value never shown (the secret filter cannot know every spelling of a secret).
  ['an unknown key inside odoo', { odoo: { database: 'prod' } }, 'odoo.database', 'unknown key (its value is not shown)'],
  [
    'an unknown key inside an endpoint',
    { endpoints: { WMS: { batchsize: 10 } } },
    'endpoints.WMS.batchsize',
    'unknown key (its value is not shown)',
  ],
];

for (const [what, file, key, quoted] of malformedFile) {
  test(`a config file with ${what} fails with a ConfigError naming the file, ${key} and the value (or the kind of problem)`, () => {
    const error = configError(() => withFile(file));
    assert.ok(error.message.startsWith(`${CONFIG_PATH}: `), error.message);
    assert.match(error.message, key);
    assert.match(error.message, quoted);
    // parseConfigFile says the same on its own
    assert.is(configError(() => parseConfigFile(JSON.stringify(file), CONFIG_PATH)).message, error.message);
  });
}

test('a config file that is not JSON fails with a ConfigError naming the file', () => {
  const error = configError(() => loadConfig({ file: CONFIG_PATH, env: ODOO, readFile: files({ [CONFIG_PATH]: '{"odoo": {"url": ' }) }));
  assert.match(error.message, `${CONFIG_PATH}: not valid JSON`);
});

test('a config file that is not JSON: the error gives the position, never the text around it (it may hold a secret)', () => {
  const error = configError(() =>
    loadConfig({ file: CONFIG_PATH, env: ODOO, readFile: files({ [CONFIG_PATH]: '{"key": SECRET-in-text-77}' }) }),
  );
  assert.match(error.message, `${CONFIG_PATH}: not valid JSON`);
  assert.not.match(error.message, 'SECRET-in-text-77');
  assert.is(error.cause, undefined, 'no cause carrying the text either');
});

test('property: the value of a key the schema does not know is never echoed, whatever its key or its depth', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('key', 'token2', 'auth', 'credential', 'x'),
      fc.constantFrom([], ['odoo'], ['endpoints', 'WMS'], ['planner'], ['wms']),
      fc.stringMatching(/^[A-Za-z0-9]{8,20}$/).map((s) => `planted-${s}`),
      (key, path, value) => {
        const file: Record<string, unknown> = {};
        let at = file;
        for (const part of path) at = at[part] = {};
        at[key] = value;
        const error = configError(() => parseConfigFile(JSON.stringify(file), CONFIG_PATH));
        assert.match(error.message, `${[...path, key].join('.')}: unknown key (its value is not shown)`);
        assert.not.match(error.message, value);
      },
    ),
    { numRuns: 200 },
  );
});

test('credentials inside a URL are never echoed in a configuration error (ODOO_URL, PLANSYNC_STATE, endpoint URLs, file values)', () => {
  const cases: Array<() => unknown> = [
    () => loadConfig({ env: { ...ODOO, ODOO_URL: 'ftp://agent:URL-KEY-1111@erp.example.test' } }),
    () => loadConfig({ env: { ...ODOO, PLANSYNC_STATE: 'bogus://user:STATE-KEY-2222@host/db' } }),
    () => loadConfig({ env: { ...ODOO, PLANSYNC_ENDPOINT_URL_HOOK: 'gopher://x:EP-KEY-3333@host/' } }),
    () => parseConfigFile(JSON.stringify({ endpoints: { HOOK: { url: 'gopher://x:FILE-KEY-4444@host/' } } }), CONFIG_PATH),
  ];
  for (const make of cases) {
    const error = configError(make);
    assert.match(error.message, '[redacted]@');
    assert.not.match(error.message, /KEY-\d{4}/);
  }
});

test('redactedConfig and scrub: the user info of URLs and every secret read become [redacted]', () => {
  const config = loadConfig({
    env: {
      ...ODOO,
      ODOO_URL: 'https://agent:URL-KEY-5555@erp.example.test',
      PLANSYNC_SECRET_HOOK: 'hook-secret-6666',
      PLANSYNC_STATE: 'redis://:STATE-KEY-7777@cache:6379',
    },
  });
  const text = JSON.stringify(redactedConfig(config));
  for (const secret of ['URL-KEY-5555', 'hook-secret-6666', 'STATE-KEY-7777', API_KEY]) assert.not.match(text, secret);
  assert.match(text, 'https://[redacted]@erp.example.test');
  // Whatever message carries them, the scrubber catches what loadConfig read.
  const message = `failed: ${API_KEY} hook-secret-6666 ${encodeURIComponent('hook-secret-6666')} STATE-KEY-7777 at http://someone:other-77@host`;
  assert.is(scrub(message), 'failed: [redacted] [redacted] [redacted] [redacted] at http://[redacted]@host');
});

// ---- secrets in the config file ----

const secretFiles: ReadonlyArray<[unknown, string, string]> = [
  [{ apiKey: 'leak-1' }, 'apiKey', 'leak-1'],
  [{ api_key: 'leak-2' }, 'api_key', 'leak-2'],
  [{ secret: 'leak-3' }, 'secret', 'leak-3'],
  [{ password: 'leak-4' }, 'password', 'leak-4'],
  [{ token: 'leak-5' }, 'token', 'leak-5'],
  [{ odoo: { url: 'https://erp.example.test', api_key: 'leak-6' } }, 'odoo.api_key', 'leak-6'],
  [{ odoo: { password: 'leak-7' } }, 'odoo.password', 'leak-7'],
  [{ endpoints: { WMS: { secret: 'leak-8' } } }, 'endpoints.WMS.secret', 'leak-8'],
  [{ endpoints: { WMS: { hmac_token: 'leak-9' } } }, 'endpoints.WMS.hmac_token', 'leak-9'],
  [{ endpoints: { WMS: { signingSecret: 'leak-10' } } }, 'endpoints.WMS.signingSecret', 'leak-10'],
  [{ odooApiKey: 'leak-11' }, 'odooApiKey', 'leak-11'],
];

for (const [file, path, value] of secretFiles) {
  test(`a secret-looking key ${path} in the config file is refused, with advice to use the environment and without echoing the value`, () => {
    const error = configError(() => parseConfigFile(JSON.stringify(file), CONFIG_PATH));
    assert.match(error.message, JSON.stringify(path));
    assert.match(error.message, 'secrets do not belong in the config file');
    assert.match(error.message, 'ODOO_API_KEY');
    assert.match(error.message, 'PLANSYNC_SECRET_<CODE>');
    assert.not.match(error.message, value);
  });
}

// ---- secrets from the environment and from files ----

test('ODOO_API_KEY_FILE is read (trailing newline trimmed); ODOO_API_KEY itself wins over the file', () => {
  const readFile = files({ '/run/secrets/odoo': `${API_KEY}\n` });
  const { ODOO_API_KEY: _key, ...rest } = ODOO;
  assert.is(loadConfig({ env: { ...rest, ODOO_API_KEY_FILE: '/run/secrets/odoo' }, readFile }).odoo.apiKey, API_KEY);
  const read: string[] = [];
  const config = loadConfig({
    env: { ...ODOO, ODOO_API_KEY: 'direct-key', ODOO_API_KEY_FILE: '/run/secrets/odoo' },
    readFile: (p) => {
      read.push(p);
      return readFile(p);
    },
  });
  assert.is(config.odoo.apiKey, 'direct-key');
  assert.equal(read, []);
});

test('an unreadable ODOO_API_KEY_FILE is a ConfigError naming the variable, the path and the cause', () => {
  const { ODOO_API_KEY: _key, ...rest } = ODOO;
  const error = configError(() => loadConfig({ env: { ...rest, ODOO_API_KEY_FILE: '/run/secrets/missing' }, readFile: files({}) }));
  assert.match(error.message, /^ODOO_API_KEY_FILE: /);
  assert.match(error.message, '"/run/secrets/missing"');
  assert.match(error.message, 'ENOENT');
});

test('an empty secret file (or one holding only a newline) is a ConfigError naming the variable and the path', () => {
  for (const content of ['', '\n', '\r\n']) {
    const error = configError(() =>
      readSecret({ ODOO_API_KEY_FILE: '/run/secrets/empty' }, 'ODOO_API_KEY', files({ '/run/secrets/empty': content })),
    );
    assert.match(error.message, /^ODOO_API_KEY_FILE: /);
    assert.match(error.message, '"/run/secrets/empty"');
    assert.match(error.message, 'empty');
  }
});

test('readSecret gives undefined when neither VAR nor VAR_FILE is set (empty values count as unset)', () => {
  assert.is(readSecret({}, 'PLANSYNC_SECRET_WMS', files({})), undefined);
  assert.is(readSecret({ PLANSYNC_SECRET_WMS: '', PLANSYNC_SECRET_WMS_FILE: '' }, 'PLANSYNC_SECRET_WMS', files({})), undefined);
});

test('codeVariable upper-cases a code and turns every character outside A-Z 0-9 into _', () => {
  assert.is(codeVariable('wms-eu.1'), 'WMS_EU_1');
  assert.is(codeVariable('Channel_2'), 'CHANNEL_2');
  assert.is(codeVariable('a b/c'), 'A_B_C');
});

test('endpoint secrets (PLANSYNC_SECRET_<CODE> and _FILE) are found by secretFor for codes with dashes and dots', () => {
  const config = loadConfig({
    env: { ...ODOO, PLANSYNC_SECRET_WMS_EU_1: 'wms-secret-aa11', PLANSYNC_SECRET_SHOP_DE_FILE: '/run/secrets/shop' },
    readFile: files({ '/run/secrets/shop': 'shop-secret-bb22\n' }),
  });
  assert.is(secretFor(config, 'wms-eu.1'), 'wms-secret-aa11');
  assert.is(secretFor(config, 'shop.de'), 'shop-secret-bb22');
  assert.is(secretFor(config, 'SHOP-DE'), 'shop-secret-bb22');
  assert.is(secretFor(config, 'planning'), undefined);
  assert.equal(Object.keys(config.secrets).sort(), ['SHOP_DE', 'WMS_EU_1']);
});

test('an unreadable PLANSYNC_SECRET_<CODE>_FILE is a ConfigError naming that variable', () => {
  const error = configError(() => loadConfig({ env: { ...ODOO, PLANSYNC_SECRET_WMS_FILE: '/run/secrets/gone' }, readFile: files({}) }));
  assert.match(error.message, /^PLANSYNC_SECRET_WMS_FILE: /);
  assert.match(error.message, '"/run/secrets/gone"');
});

test('PLANSYNC_ENDPOINT_URL_<CODE> overrides the URL for codes with dashes and dots, merged with the file overrides of that code', () => {
  const config = withFile(
    { endpoints: { 'wms-eu.1': { batch_size: 10, url: 'https://file-gw.example.test/wms' }, planning: { enabled: false } } },
    { ...ODOO, PLANSYNC_ENDPOINT_URL_WMS_EU_1: 'https://gw.example.test/wms', PLANSYNC_ENDPOINT_URL_SHOP_DE: 'http://127.0.0.1:9000/shop' },
  );
  assert.equal(overrideFor(config, 'wms-eu.1'), { batch_size: 10, url: 'https://gw.example.test/wms' });
  assert.equal(overrideFor(config, 'shop.de'), { url: 'http://127.0.0.1:9000/shop' });
  assert.equal(overrideFor(config, 'Planning'), { enabled: false });
  assert.equal(overrideFor(config, 'unknown'), {});
});

test('runs_poll_seconds of a planning endpoint: default 300, validated once with the key and the value; a file:/// URL is a valid override', () => {
  const config = withFile({ endpoints: { PLAN: { runs_poll_seconds: 60, url: 'file:///srv/planning' } } });
  const endpoint: EndpointConfig = {
    code: 'PLAN',
    name: 'Plan',
    kind: 'planning',
    url: 'https://plan.example.test',
    event_types: [],
    company: 1,
    batch_size: 50,
    concurrency: 2,
    rate_limit: 0,
    timeout_seconds: 30,
  };
  assert.equal(
    [effectiveEndpoint(endpoint, config).runsPollSeconds, effectiveEndpoint(endpoint, config).url],
    [60, 'file:///srv/planning'],
  );
  assert.is(effectiveEndpoint({ ...endpoint, code: 'OTHER' }, config).runsPollSeconds, 300);
  assert.match(
    configError(() => withFile({ endpoints: { PLAN: { runs_poll_seconds: 0 } } })).message,
    /endpoints\.PLAN\.runs_poll_seconds: .*\(got 0\)/,
  );
  assert.match(
    configError(() => withFile({ endpoints: { PLAN: { runs_poll_seconds: '5m' } } })).message,
    /runs_poll_seconds: .*\(got "5m"\)/,
  );
  assert.match(
    configError(() => loadConfig({ env: { ...ODOO, PLANSYNC_ENDPOINT_URL_PLAN: 'ftp://x/y' } })).message,
    /PLANSYNC_ENDPOINT_URL_PLAN: .*file:\/\/\/dir.*\(got "ftp:\/\/x\/y"\)/,
  );
});

test('redactedConfig never contains the Odoo API key nor any endpoint secret, and keeps everything else', () => {
  const config = loadConfig({
    env: { ...ODOO, PLANSYNC_SECRET_WMS_EU_1: 'wms-secret-aa11', PLANSYNC_SECRET_SHOP_FILE: '/run/secrets/shop' },
    readFile: files({ '/run/secrets/shop': 'shop-secret-bb22' }),
  });
  const text = JSON.stringify(redactedConfig(config));
  for (const secret of [API_KEY, 'wms-secret-aa11', 'shop-secret-bb22']) assert.not.ok(text.includes(secret), `${secret} leaked: ${text}`);
  const redacted = redactedConfig(config) as { odoo: Record<string, unknown>; secrets: Record<string, unknown> };
  assert.is(redacted.odoo.apiKey, '[redacted]');
  assert.is(redacted.odoo.url, 'https://erp.example.test');
  assert.equal(redacted.secrets, { WMS_EU_1: '[redacted]', SHOP: '[redacted]' });
  // the configuration itself is left intact
  assert.is(config.odoo.apiKey, API_KEY);
  assert.is((redactedConfig(loadConfig({ env: {}, requireOdoo: false })) as { odoo: { apiKey: string } }).odoo.apiKey, '(missing)');
});

// ---- properties ----

const isHttpUrl = (value: string): boolean => {
  const trimmed = value.trim();
  return /^https?:\/\//i.test(trimmed) && URL.canParse(trimmed);
};

test('property: any non-empty ODOO_URL that is not an http(s) URL fails with a ConfigError naming ODOO_URL', () => {
  const candidates = fc.oneof(
    fc.string({ minLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1 }),
    fc.webUrl().map((url) => url.replace(/^https?/, 'ftp')),
    fc.webUrl().map((url) => url.replace('://', ':')),
    fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', ' http:/'), fc.string()).map(([scheme, rest]) => scheme + rest),
  );
  fc.assert(
    fc.property(
      candidates.filter((url) => !isHttpUrl(url)),
      (url) => {
        const error = configError(() => loadConfig({ env: { ...ODOO, ODOO_URL: url } }));
        assert.match(error.message, 'ODOO_URL');
      },
    ),
    { numRuns: 300 },
  );
});

const KNOWN_KEYS = new Set([
  'odoo',
  'consumer',
  'state',
  'receipt_ttl_days',
  'claim_limit',
  'lease_seconds',
  'poll_seconds',
  'log_level',
  'metrics_port',
  'endpoints',
]);

const validFile = fc.record(
  {
    odoo: fc.record(
      { url: fc.webUrl(), db: fc.string({ minLength: 1, maxLength: 12 }), transport: fc.constantFrom('jsonrpc', 'json2', 'xmlrpc') },
      { requiredKeys: [] },
    ),
    consumer: fc.string({ minLength: 1, maxLength: 40 }),
    state: fc.constantFrom('memory://', 'sqlite://.plansync/state.sqlite', 'redis://127.0.0.1:6379'),
    claim_limit: fc.integer({ min: 1, max: 1000 }),
    log_level: fc.constantFrom('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    endpoints: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9.-]{1,10}$/), fc.record({ batch_size: fc.integer({ min: 1, max: 1000 }) }), {
      maxKeys: 2,
    }),
  },
  { requiredKeys: [] },
);

test('property: a valid config file with one extra unknown top-level key is refused, naming that key', () => {
  fc.assert(
    fc.property(
      validFile,
      fc.string({ minLength: 1 }).filter((key) => !KNOWN_KEYS.has(key)),
      fc.jsonValue(),
      (file, key, value) => {
        assert.not.throws(() => parseConfigFile(JSON.stringify(file), 'base.json'));
        const withExtra: Record<string, unknown> = JSON.parse(JSON.stringify(file)) as Record<string, unknown>;
        // defineProperty so that a key such as "__proto__" becomes an own key, as JSON.parse makes it
        Object.defineProperty(withExtra, key, { value, enumerable: true, writable: true, configurable: true });
        const error = configError(() => parseConfigFile(JSON.stringify(withExtra), 'extra.json'));
        assert.ok(
          error.message.includes(key) || error.message.includes(JSON.stringify(key).slice(1, -1)),
          `${JSON.stringify(key)} not named in: ${error.message}`,
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('the embedded planner: defaults, the file block, PLANSYNC_PLANNER, and bad values named with their key', () => {
  const defaults = loadConfig({ env: ODOO }).planner;
  assert.equal(defaults, { enabled: 'auto', everyHours: 24, historyWeeks: 156, horizonWeeks: 13, reviewWeeks: 1, warehouses: false });
  const fromFile = withFile({
    planner: { enabled: false, every_hours: 6, history_weeks: 104, horizon_weeks: 0, review_weeks: 2, warehouses: ['WH', 'EAST'] },
  }).planner;
  assert.equal(fromFile, { enabled: false, everyHours: 6, historyWeeks: 104, horizonWeeks: 0, reviewWeeks: 2, warehouses: ['WH', 'EAST'] });
  assert.is(withFile({ planner: { enabled: false } }, { ...ODOO, PLANSYNC_PLANNER: 'on' }).planner.enabled, true, 'the environment wins');
  assert.is(loadConfig({ env: { ...ODOO, PLANSYNC_PLANNER: 'OFF' } }).planner.enabled, false);
  assert.throws(
    () => loadConfig({ env: { ...ODOO, PLANSYNC_PLANNER: 'sometimes' } }),
    (e: Error) => e instanceof ConfigError && /PLANSYNC_PLANNER/.test(e.message) && /"sometimes"/.test(e.message),
  );
  assert.throws(
    () => withFile({ planner: { history_weeks: 0 } }),
    (e: Error) => e instanceof ConfigError && /planner\.history_weeks/.test(e.message),
  );
  assert.throws(
    () => withFile({ planner: { every_hour: 3 } }),
    (e: Error) => e instanceof ConfigError && /every_hour/.test(e.message),
  );
});

test.run();
