import { metrics, type Histogram } from '@opentelemetry/api';
import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { RateLimiter } from 'limiter';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { runner } from 'node-pg-migrate';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsClientFactory } from '../aws/aws.client-factory';
import { UnavailableError } from '../errors/domain-errors';
import { poolConfig, readerTarget, writerTarget, type ConnectionTarget } from './database.connection';
import { IamTokenCache, rdsTokenSigner, secretsManagerPassword, SharedCredential } from './database.credentials';
import { isAuthenticationFailure, isConnectionFailure, mapDatabaseError } from './database.errors';
import { DATABASE_MODULE_OPTIONS, type DatabaseModuleOptions } from './database.module-definition';

/** One named statement: the name labels metrics and slow-query logs, never the values. */
export interface Statement {
  name: string;
  text: string;
  values?: unknown[];
}

export type Queryable = Pick<DatabaseService, 'query'>;

/** A transaction's connection: statements, and COPY … FROM STDIN of data already in COPY's format. */
export interface Transaction extends Queryable {
  /**
   * Runs `statement` (a `COPY … FROM STDIN`) with `data`, already in COPY's format, as its input; resolves with the
   * rows copied. Only where the server takes it (DatabaseService.copyFromStdin).
   */
  copyFrom(statement: Omit<Statement, 'values'>, data: Buffer): Promise<number>;
}

/**
 * PostgreSQL through a bounded pg pool (and an optional reader pool): IAM auth tokens or a static password, TLS,
 * paced new connections, a circuit breaker that turns an outage into fast 503s, per-statement metrics and a
 * slow-query log, migrations under an advisory lock.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  /** The writer pool. */
  readonly pool: Pool;
  /** The reader endpoint's pool, when one is configured. */
  readonly readerPool?: Pool;
  /** Whether Transaction.copyFrom is available (DatabaseModuleOptions.copyFromStdin). */
  readonly copyFromStdin: boolean;
  /** The shared password of new connections: an IAM token (DATABASE_IAM_AUTH) or a Secrets Manager secret. */
  readonly credential?: SharedCredential;
  private readonly breaker: CircuitBreakerPolicy;
  private breakerOpenedAt = 0;
  private readonly queryDuration: Histogram;

  constructor(
    @Inject(DATABASE_MODULE_OPTIONS) private readonly options: DatabaseModuleOptions,
    @Optional() @Inject(AwsClientFactory) aws?: AwsClientFactory,
  ) {
    this.copyFromStdin = options.copyFromStdin ?? true;
    const writer = writerTarget(options);
    const reader = readerTarget(options, writer);
    this.credential = this.createIamTokens(writer, aws) ?? this.createSecretPassword(aws);
    const password = this.passwordOf(writer);
    // One budget for both pools: the IAM limit is per RDS instance, and every connection comes from this process.
    const limiter = new RateLimiter({
      tokensPerInterval: options.maxNewConnectionsPerSecond ?? 100,
      interval: 'second',
    });
    this.pool = this.createPool(poolConfig(options, writer, password, limiter), 'writer');
    if (reader) this.readerPool = this.createPool(poolConfig(options, reader, password, limiter), 'reader');
    this.breaker = circuitBreaker(handleWhen(isConnectionFailure), {
      halfOpenAfter: options.circuitHalfOpenMs ?? 5_000,
      breaker: new ConsecutiveBreaker(options.circuitFailureThreshold ?? 5),
    });
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.breakerOpenedAt = Date.now();
      if (state === CircuitState.Open)
        this.logger.warn('database circuit open: failing fast until a trial query succeeds');
      if (state === CircuitState.Closed) this.logger.log('database circuit closed: the database answers again');
    });
    const meter = metrics.getMeter('navius');
    this.queryDuration = meter.createHistogram('db.query.duration', { unit: 'ms', description: 'Query latency' });
    meter
      .createObservableGauge('db.pool.connections', { description: 'pg pool connections by state' })
      .addCallback((result) => {
        const pools = [this.pool, this.readerPool].filter((pool): pool is Pool => pool !== undefined);
        const sum = (count: (pool: Pool) => number) => pools.reduce((total, pool) => total + count(pool), 0);
        result.observe(
          sum((pool) => pool.totalCount),
          { state: 'total' },
        );
        result.observe(
          sum((pool) => pool.idleCount),
          { state: 'idle' },
        );
        result.observe(
          sum((pool) => pool.waitingCount),
          { state: 'waiting' },
        );
      });
  }

  async onModuleInit(): Promise<void> {
    await this.migrate();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.end(), this.readerPool?.end()]);
  }

  /** Runs one statement on the writer; never retried (it may have been applied before the connection broke). */
  async query<Row extends QueryResultRow>(statement: Statement): Promise<Row[]> {
    return this.run<Row>(this.pool, statement, false);
  }

  /**
   * Runs an idempotent read: on the reader endpoint when one is configured, and retried once on a new connection
   * when its connection broke (a Multi-AZ failover leaves every pooled connection dead).
   */
  async read<Row extends QueryResultRow>(statement: Statement): Promise<Row[]> {
    return this.run<Row>(this.readerPool ?? this.pool, statement, true);
  }

  /** Runs `work` in one transaction on one connection; rolls back on any error. */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    let held: HeldClient;
    try {
      held = await this.guarded(() => checkOut(this.pool));
    } catch (error) {
      this.refusedCredential(error);
      throw mapDatabaseError(error);
    }
    const { client } = held;
    const tx: Transaction = {
      query: async <Row extends QueryResultRow>(statement: Statement) => {
        try {
          return (await client.query<Row>({ name: statement.name, text: statement.text, values: statement.values }))
            .rows;
        } catch (error) {
          throw mapDatabaseError(error);
        }
      },
      copyFrom: async (statement, data) => {
        if (!this.copyFromStdin) throw new Error('this database does not take COPY FROM STDIN (copyFromStdin: false)');
        try {
          const copy = client.query(copyFrom(statement.text));
          await finished(copy.end(data));
          return copy.rowCount;
        } catch (error) {
          throw mapDatabaseError(error);
        }
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      held.release();
      return result;
    } catch (error) {
      if (!held.broken) await client.query('ROLLBACK').catch(() => undefined);
      held.release(true);
      throw mapDatabaseError(held.broken ?? error);
    }
  }

  /** Cheap liveness query for readiness. */
  async ping(): Promise<void> {
    await this.query({ name: 'health.ping', text: 'SELECT 1' });
  }

  /** `closed`, `open` (failing fast) or `half-open` (one trial under way), for readiness details. */
  get circuit(): 'closed' | 'open' | 'half-open' {
    const state = this.breaker.state;
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  private async run<Row extends QueryResultRow>(pool: Pool, statement: Statement, retryable: boolean): Promise<Row[]> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const rows = await this.guarded(() => this.execute<Row>(pool, statement, retryable));
      outcome = 'ok';
      return rows;
    } catch (error) {
      throw mapDatabaseError(error);
    } finally {
      const elapsed = performance.now() - started;
      this.queryDuration.record(elapsed, { statement: statement.name, outcome });
      const slow = this.options.slowQueryMs ?? 500;
      if (slow > 0 && elapsed >= slow) {
        this.logger.warn(`slow query ${statement.name}: ${Math.round(elapsed)} ms (${outcome})`);
      }
    }
  }

  private async execute<Row extends QueryResultRow>(
    pool: Pool,
    statement: Statement,
    retryable: boolean,
  ): Promise<Row[]> {
    const config = { name: statement.name, text: statement.text, values: statement.values };
    try {
      return (await pool.query<Row>(config)).rows;
    } catch (error) {
      this.refusedCredential(error);
      // pg-pool has already discarded the broken connection; the retry gets another one.
      if (!retryable || !isConnectionFailure(error)) throw error;
      this.logger.warn(`read ${statement.name} retried once on a new connection: ${(error as Error).message}`);
      return (await pool.query<Row>(config)).rows;
    }
  }

  /** Runs `work` behind the circuit breaker: while it is open, fails at once with a 503 and its Retry-After. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(work);
    } catch (error) {
      if (!(error instanceof BrokenCircuitError)) throw error;
      const halfOpenMs = this.options.circuitHalfOpenMs ?? 5_000;
      const remaining = Math.max(1, Math.ceil((this.breakerOpenedAt + halfOpenMs - Date.now()) / 1000));
      throw new UnavailableError('database', remaining, { cause: error });
    }
  }

  private createPool(config: ReturnType<typeof poolConfig>, role: 'writer' | 'reader'): Pool {
    const pool = new Pool(config);
    // An idle client losing its server (failover, restart) must not crash the process; the pool drops it.
    pool.on('error', (error) => this.logger.warn(`idle ${role} connection dropped: ${error.message}`));
    return pool;
  }

  private createIamTokens(writer: ConnectionTarget, aws?: AwsClientFactory): IamTokenCache | undefined {
    const iam = this.options.iamAuth;
    if (!iam) return undefined;
    const settings = iam === true ? {} : iam;
    let signer = settings.signer;
    if (!signer) {
      if (!aws) throw new Error('DATABASE_IAM_AUTH needs AwsModule (shared credentials) or iamAuth.signer');
      if (!writer.host || !writer.user) throw new Error('DATABASE_IAM_AUTH needs the database host and user');
      signer = rdsTokenSigner({
        hostname: writer.host,
        port: writer.port,
        username: writer.user,
        region: settings.region ?? aws.settings.region,
        credentials: aws.credentials.provider,
      });
    }
    return new IamTokenCache(signer, (settings.refreshAfterSeconds ?? 600) * 1000);
  }

  /** Secrets Manager's password, when a secret is configured (IAM auth wins over it). */
  private createSecretPassword(aws?: AwsClientFactory): SharedCredential | undefined {
    const secret = this.options.passwordSecret;
    if (!secret || this.options.iamAuth) return undefined;
    let fetch = secret.fetch;
    if (!fetch) {
      if (!aws)
        throw new Error('DATABASE_PASSWORD_SECRET_ARN needs AwsModule (shared credentials) or passwordSecret.fetch');
      fetch = secretsManagerPassword(aws.create(SecretsManagerClient, { service: 'secretsmanager' }), secret.secretId);
    }
    return new SharedCredential(fetch, (secret.refreshAfterSeconds ?? 900) * 1000);
  }

  /** The server refused the shared credential (a rotated secret, an expired token): the next connection fetches anew. */
  private refusedCredential(error: unknown): void {
    if (this.credential && isAuthenticationFailure(error)) this.credential.invalidate();
  }

  /** The pool's password: the shared credential (a fetch failure is a 503, logged), else the static one. */
  private passwordOf(writer: ConnectionTarget): string | (() => Promise<string>) | undefined {
    const credential = this.credential;
    if (!credential) return writer.password;
    const what =
      credential instanceof IamTokenCache ? 'sign an RDS IAM auth token' : 'read the database password secret';
    return async () => {
      try {
        return await credential.value();
      } catch (error) {
        this.logger.error(`could not ${what}: ${(error as Error).message}`);
        throw new UnavailableError('database', 5, { cause: error });
      }
    };
  }

  /** Applies pending migrations; an advisory lock makes N instances starting together migrate once. */
  private async migrate(): Promise<void> {
    const dirs = this.options.migrationDirs ?? [];
    if (dirs.length === 0) return;
    const held = await checkOut(this.pool);
    try {
      const applied = await runner({
        dbClient: held.client,
        // Each room keeps its own folder of SQL migrations; applied in timestamp order across folders.
        dir: dirs.map((dir) => join(dir, '*.sql')),
        useGlob: true,
        direction: 'up',
        migrationsTable: this.options.migrationsTable ?? 'pgmigrations',
        count: Infinity,
        singleTransaction: true,
        advisoryLockMode: 'wait',
        checkOrder: true,
        logger: {
          debug: () => undefined,
          info: () => undefined,
          warn: (m) => this.logger.warn(m),
          error: (m) => this.logger.error(m),
        },
      });
      if (applied.length > 0) this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    } finally {
      held.release();
    }
  }
}

/** A connection taken out of the pool, with what happened to its socket while it was out. */
interface HeldClient {
  client: PoolClient;
  /** Set when the connection died while held (server restart, failover, network). */
  broken?: Error;
  /** Back to the pool, or destroyed (`true`, or whenever it broke). */
  release(destroy?: boolean): void;
}

/**
 * Takes a connection out of the pool. pg-pool listens for `error` only on idle clients; a held client whose server
 * goes away emits `error` with nobody listening, which would crash the process. The holder listens until release.
 */
async function checkOut(pool: Pool): Promise<HeldClient> {
  const client = await pool.connect();
  const held: HeldClient = {
    client,
    release: (destroy = false) => {
      client.removeListener('error', onError);
      client.release(destroy || held.broken !== undefined);
    },
  };
  const onError = (error: Error) => {
    held.broken = error;
  };
  client.on('error', onError);
  return held;
}
