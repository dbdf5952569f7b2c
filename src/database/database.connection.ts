import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { RateLimiter } from 'limiter';
import { Client, type PoolConfig } from 'pg';
import type { DatabaseModuleOptions, DatabaseSslMode, DatabaseSslOptions } from './database.module-definition';

/** Where one pool connects: the writer, or the reader endpoint. */
export interface ConnectionTarget {
  host?: string;
  port: number;
  user?: string;
  database?: string;
  password?: string;
  /** `sslmode` of a connection string, when it names one. */
  sslMode?: string;
  /** The connection string without its TLS parameters (kept for callers reading `pool.options`). */
  connectionString?: string;
}

// pg lets a connection string's TLS parameters override the `ssl` setting: they never reach pg.
const TLS_PARAMETERS = ['ssl', 'sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'sslnegotiation'];

/** The parts of a postgres:// URL (its sslmode is kept aside: the `ssl` option decides, so a URL cannot weaken it). */
export function parseConnectionString(connectionString: string): ConnectionTarget {
  const url = new URL(connectionString);
  const sslMode = url.searchParams.get('sslmode') ?? undefined;
  for (const name of TLS_PARAMETERS) url.searchParams.delete(name);
  const decode = (value: string) => (value === '' ? undefined : decodeURIComponent(value));
  return {
    host: decode(url.hostname.replace(/^\[|\]$/g, '')) ?? url.searchParams.get('host') ?? undefined,
    port: url.port ? Number(url.port) : 5432,
    user: decode(url.username),
    password: decode(url.password),
    database: decode(url.pathname.replace(/^\//, '')),
    sslMode,
    connectionString: url.toString(),
  };
}

/** The writer's target from the options. */
export function writerTarget(options: DatabaseModuleOptions): ConnectionTarget {
  if (options.connectionString) return parseConnectionString(options.connectionString);
  return {
    host: options.host,
    port: options.port ?? 5432,
    user: options.user,
    database: options.database,
    password: options.password,
  };
}

/** The reader's target (same credentials and database as the writer), if a reader endpoint is configured. */
export function readerTarget(options: DatabaseModuleOptions, writer: ConnectionTarget): ConnectionTarget | undefined {
  if (options.readerConnectionString) return parseConnectionString(options.readerConnectionString);
  if (options.readerHost) return { ...writer, host: options.readerHost, connectionString: undefined };
  return undefined;
}

/** The effective TLS mode: the option, else a connection string's sslmode (verify-ca/verify-full → verify-full). */
export function effectiveSslMode(ssl: DatabaseSslOptions | undefined, target: ConnectionTarget): DatabaseSslMode {
  if (ssl) return ssl.mode;
  switch (target.sslMode) {
    case 'require':
    case 'prefer':
      return 'require';
    case 'verify-ca':
    case 'verify-full':
      return 'verify-full';
    default:
      return 'disable';
  }
}

/**
 * pg's `ssl` setting. With TLS on, pg refuses a server that does not offer TLS rather than falling back to plain
 * TCP; verify-full checks the chain against the CA bundle and the certificate's names against the host.
 */
export function tlsSettings(mode: DatabaseSslMode, ssl: DatabaseSslOptions | undefined): false | ConnectionOptions {
  if (mode === 'disable') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  const ca = ssl?.ca ?? (ssl?.caFile ? readCaBundle(ssl.caFile) : undefined);
  return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
}

function readCaBundle(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`DATABASE_SSL_CA_FILE: cannot read the CA bundle ${file}`, { cause: error });
  }
}

type ConnectCallback = (error: Error | null, client?: Client) => void;

/**
 * A pg Client class whose connects take a token from `limiter` first, so a burst (start-up, failover) opens at most
 * the configured number of new connections per second.
 */
export function pacedClientClass(limiter: RateLimiter): typeof Client {
  return class PacedClient extends Client {
    override connect(): Promise<Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: Client) => void)): Promise<Client> | void {
      const connected = limiter.removeTokens(1).then(() => super.connect());
      if (!callback) return connected;
      const done = callback as ConnectCallback;
      connected.then(
        (client) => done(null, client),
        (error: Error) => done(error),
      );
    }
  };
}

/** The pg pool settings of one target. */
export function poolConfig(
  options: DatabaseModuleOptions,
  target: ConnectionTarget,
  password: string | (() => Promise<string>) | undefined,
  limiter: RateLimiter,
): PoolConfig {
  const statementTimeout = options.statementTimeoutMs ?? 5_000;
  return {
    // With an IAM token (a function) the parts alone: pg would let the URL's (absent) password win over it.
    connectionString: typeof password === 'function' ? undefined : target.connectionString,
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    password,
    ssl: tlsSettings(effectiveSslMode(options.ssl, target), options.ssl),
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
    statement_timeout: statementTimeout,
    // The client gives up a little after the server would have: a dead server cannot hang a request.
    query_timeout: statementTimeout + 1_000,
    application_name: 'navius',
    keepAlive: true,
    Client: pacedClientClass(limiter),
  };
}
