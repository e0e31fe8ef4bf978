/**
 * Secrets never leave: the last line of defence between the agent and anything it writes.
 *
 * The agent never puts a key in a message on purpose (config.ts refuses secrets in the file and quotes no
 * value of an unknown key; `redactedConfig` is what the daemon logs). Behind that, every value known to be
 * secret (the Odoo API key, each endpoint's signing secret, the password or user info of a URL: ODOO_URL,
 * PLANSYNC_STATE, endpoint URLs) is registered here, and the CLI scrubs stdout, stderr, the log and the
 * metrics routes through `scrub()`: a registered value becomes `[redacted]`, and so does the user info
 * of any URL (`http://user:KEY@host` → `http://[redacted]@host`), registered or not.
 */
import type { Env } from '../config.ts';

export const REDACTED = '[redacted]';

/** Values shorter than this are not scrubbed (they would match ordinary text); no real key is that short. */
const MIN_LENGTH = 6;
const registered = new Set<string>();
let ordered: string[] = [];

/** `scheme://user:password@` or `scheme://user@`: the user info of a URL. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/** Register a secret value (and its URL-encoded spelling) to be scrubbed from every output. */
export const addSecret = (value: string | undefined): void => {
  if (!value || value.length < MIN_LENGTH) return;
  const before = registered.size;
  registered.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) registered.add(encoded);
  const quoted = JSON.stringify(value).slice(1, -1);
  if (quoted !== value) registered.add(quoted);
  if (registered.size !== before) ordered = [...registered].sort((a, b) => b.length - a.length);
};

/** The user info of a URL (user name and password), or nothing. */
const credentialsOf = (url: string | undefined): string[] => {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    // `scheme://user:KEY@host`: the password; `scheme://KEY@host`: the user info is the secret.
    const secret = parsed.password || parsed.username;
    return secret ? [secret, decodeURIComponent(secret)] : [];
  } catch {
    const match = /^[a-z][a-z0-9+.-]*:\/\/([^/@]+)@/i.exec(url);
    const info = match?.[1]?.split(':') ?? [];
    return info.length > 1 ? info.slice(1) : info;
  }
};

/** Every secret the environment holds: the Odoo key, signing secrets, credentials inside URLs. */
export const secretsOfEnv = (env: Env): string[] =>
  Object.entries(env).flatMap(([name, value]) => {
    if (!value) return [];
    if (/(^|_)(API_?KEY|SECRET|PASSWORD|TOKEN)(_|$)/i.test(name) && !name.endsWith('_FILE')) return [value];
    if (/URL|STATE/i.test(name)) return credentialsOf(value);
    return [];
  });

/** Register the secrets of the environment and of URLs (call once at start, before anything is printed). */
export const addSecretsOf = (values: readonly (string | undefined)[]): void => {
  for (const value of values) addSecret(value);
};

/** Register the credentials inside a URL. */
export const addUrlSecrets = (url: string | undefined): void => {
  for (const value of credentialsOf(url)) addSecret(value);
};

/** `text` with every registered secret and the user info of every URL replaced by `[redacted]`. */
export const scrub = (text: string): string => {
  let out = text.replace(USERINFO, `$1${REDACTED}@`);
  for (const value of ordered) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
};

/** A URL fit to print: its user info (user and password) replaced. */
export const redactUrl = (url: string): string => url.replace(USERINFO, `$1${REDACTED}@`);

let installed = false;

/** Scrub everything written to stdout and stderr from now on (the CLI calls this first). */
export const scrubProcessOutput = (): void => {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]): boolean =>
      write(
        typeof chunk === 'string' ? scrub(chunk) : chunk instanceof Uint8Array ? scrub(Buffer.from(chunk).toString('utf8')) : chunk,
        ...rest,
      );
  }
};
