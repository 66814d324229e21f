// Which Docker daemon to talk to, resolved the way the Docker CLI does.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskDbUrl } from './config';
import { displayPath, MAX_JSON_BYTES, MAX_PEM_BYTES, readRegularFile, readRegularFileIfExists } from './fsSafe';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export type EndpointSource = 'setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'context' | 'default';

export interface TlsMaterial {
  /** Verify the daemon's certificate against `ca` (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface DockerEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`. */
  url: string;
  source: EndpointSource;
  /** The Docker context it came from, if any. */
  context?: string;
  tls?: TlsMaterial;
  /** Why the endpoint cannot be used (an unreadable context): connecting fails with it. */
  error?: string;
}

export interface EndpointInput {
  /** `decnet.docker.host` or `--docker-host`. */
  setting?: string;
  /** `--context`: a context name, taking precedence over the environment. */
  context?: string;
  env?: NodeJS.ProcessEnv;
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG?.trim() || path.join(env.HOME || os.homedir(), '.docker');
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** A certificate or key: absent is fine; anything but a regular file (a FIFO would block) throws. */
function readPemIfExists(file: string, env: NodeJS.ProcessEnv): Buffer | undefined {
  return readRegularFileIfExists(file, MAX_PEM_BYTES, homeOf(env));
}

/** TLS from DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH, for a tcp:// endpoint. */
function tlsFromEnv(env: NodeJS.ProcessEnv): TlsMaterial | undefined {
  const verify = !!env.DOCKER_TLS_VERIFY?.trim();
  const tls = verify || !!env.DOCKER_TLS?.trim() || !!env.DOCKER_CERT_PATH?.trim();
  if (!tls) return undefined;
  const dir = env.DOCKER_CERT_PATH?.trim() || dockerConfigDir(env);
  return {
    verify,
    ca: readPemIfExists(path.join(dir, 'ca.pem'), env),
    cert: readPemIfExists(path.join(dir, 'cert.pem'), env),
    key: readPemIfExists(path.join(dir, 'key.pem'), env),
  };
}

/**
 * The names of the Docker contexts, as `docker context ls` lists them: `default`, then each
 * `<config>/contexts/meta/<id>/meta.json`'s `Name`, sorted. Unreadable ones are left out.
 */
export function listContextNames(env: NodeJS.ProcessEnv): string[] {
  const dir = path.join(dockerConfigDir(env), 'contexts', 'meta');
  const names = new Set<string>();
  let ids: string[] = [];
  try {
    ids = fs.readdirSync(dir);
  } catch {
    // No contexts but the default one.
  }
  for (const id of ids) {
    try {
      const meta = JSON.parse(readRegularFile(path.join(dir, id, 'meta.json'), MAX_JSON_BYTES, homeOf(env)).toString('utf8')) as {
        Name?: unknown;
      };
      if (typeof meta.Name === 'string' && meta.Name && meta.Name !== 'default') names.add(meta.Name);
    } catch {
      // Not a context.
    }
  }
  return ['default', ...[...names].sort()];
}

/** The endpoint stored for a context in `<config>/contexts/meta/<sha256(name)>/meta.json`. */
export function readContext(name: string, env: NodeJS.ProcessEnv): DockerEndpoint {
  try {
    return readContextOrThrow(name, env);
  } catch (err) {
    return { url: `context://${name}`, source: 'context', context: name, error: (err as Error).message };
  }
}

function readContextOrThrow(name: string, env: NodeJS.ProcessEnv): DockerEndpoint {
  if (name === 'default') {
    const host = env.DOCKER_HOST?.trim();
    return host
      ? { url: host, source: 'DOCKER_HOST', context: 'default', tls: tlsFromEnv(env) }
      : { url: DEFAULT_DOCKER_HOST, source: 'default', context: 'default' };
  }
  const config = dockerConfigDir(env);
  const id = createHash('sha256').update(name).digest('hex');
  const metaPath = path.join(config, 'contexts', 'meta', id, 'meta.json');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readRegularFile(metaPath, MAX_JSON_BYTES, homeOf(env)).toString('utf8')) as typeof meta;
  } catch (err) {
    throw new Error(`Docker context "${name}" cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) {
    throw new Error(`Docker context "${name}" has no Docker endpoint (${metaPath})`);
  }
  const tlsDir = path.join(config, 'contexts', 'tls', id, 'docker');
  const ca = readPemIfExists(path.join(tlsDir, 'ca.pem'), env);
  const cert = readPemIfExists(path.join(tlsDir, 'cert.pem'), env);
  const key = readPemIfExists(path.join(tlsDir, 'key.pem'), env);
  const hasTls = !!(ca || cert || key) || !!docker.SkipTLSVerify;
  return {
    url: docker.Host,
    source: 'context',
    context: name,
    tls: hasTls ? { verify: !docker.SkipTLSVerify, ca, cert, key } : undefined,
  };
}

/**
 * The current context named in `<config>/config.json`, if any. A config.json that is not a
 * regular file (a FIFO would block), or cannot be opened, throws; one that is not JSON is ignored,
 * as the Docker CLI ignores it.
 */
function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  const bytes = readRegularFileIfExists(path.join(dockerConfigDir(env), 'config.json'), MAX_JSON_BYTES, homeOf(env));
  if (!bytes) return undefined;
  try {
    const config = JSON.parse(bytes.toString('utf8')) as { currentContext?: unknown } | null;
    return typeof config?.currentContext === 'string' && config.currentContext ? config.currentContext : undefined;
  } catch {
    return undefined;
  }
}

/** TLS material from the environment, or the endpoint with the reason it cannot be used. */
function withEnvTls(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv): DockerEndpoint {
  if (!endpoint.url.startsWith('tcp://')) return endpoint;
  try {
    return { ...endpoint, tls: tlsFromEnv(env) };
  } catch (err) {
    return { ...endpoint, error: `The Docker TLS material cannot be read: ${(err as Error).message}` };
  }
}

/**
 * The Docker endpoint: the setting (or `--docker-host`), else `--context`, else `DOCKER_HOST`,
 * else `DOCKER_CONTEXT`, else the current context of `~/.docker/config.json`, else the local
 * socket. TLS material comes from the context, or from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH.
 */
export function resolveDockerEndpoint(input: EndpointInput): DockerEndpoint {
  const env = input.env ?? process.env;
  const setting = input.setting?.trim();
  if (setting) return withEnvTls({ url: setting, source: 'setting' }, env);
  const explicit = input.context?.trim();
  if (explicit) return readContext(explicit, env);
  const host = env.DOCKER_HOST?.trim();
  if (host) return withEnvTls({ url: host, source: 'DOCKER_HOST' }, env);
  const fromEnv = env.DOCKER_CONTEXT?.trim();
  if (fromEnv) return { ...readContext(fromEnv, env), source: 'DOCKER_CONTEXT' };
  let current: string | undefined;
  try {
    current = currentContext(env);
  } catch (err) {
    const configPath = displayPath(path.join(dockerConfigDir(env), 'config.json'), homeOf(env));
    return { url: configPath, source: 'context', error: `The Docker configuration cannot be read: ${(err as Error).message}` };
  }
  if (current && current !== 'default') return readContext(current, env);
  return { url: DEFAULT_DOCKER_HOST, source: 'default' };
}

/** A parameter name that says its value is a secret (`password`, `access_token`, `apiKey`, `auth`...): shown as `***`. */
const SECRET_PARAMETER = /pass|pwd|secret|token|key|auth|cred|sig/i;

/**
 * An endpoint URL as it may be printed: a password in it (`tcp://user:secret@host`,
 * `ssh://user:secret@host`) and the value of every parameter whose name says it is a secret,
 * wherever it is (`?password=…`, `&access_token=…`, `;password=…`, `#token=…`), replaced by
 * `***`. Everything a header, an error, JSON, a plan file or the audit log shows of an endpoint
 * goes through here.
 */
export function maskEndpointUrl(url: string): string {
  return maskDbUrl(url).replace(/([?#;&])([^=?#;&]*)=([^?#;&]*)/g, (whole, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // a name that does not decode is compared as written
    }
    return SECRET_PARAMETER.test(decoded) ? `${sep}${name}=***` : whole;
  });
}

/** Words a user typed, as they may be echoed in an error: any URL among them masked. */
export function maskedWords(words: readonly string[]): string {
  return words.map((w) => (w.includes('://') || /[?#;&][^=]*=/.test(w) ? maskEndpointUrl(w) : w)).join(' ');
}

/** How people should read an endpoint: its URL (no secret in it), and the context it came from. */
export function describeEndpoint(endpoint: DockerEndpoint): string {
  const tls = endpoint.tls ? (endpoint.tls.verify ? ' (TLS)' : ' (TLS, not verified)') : '';
  const url = maskEndpointUrl(endpoint.url);
  if (endpoint.error) return endpoint.context ? `context ${endpoint.context}` : url;
  return endpoint.context && endpoint.context !== 'default' ? `${url}${tls} [context ${endpoint.context}]` : `${url}${tls}`;
}
