import { metrics, type Histogram } from '@opentelemetry/api';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { mapDatabaseError } from './database.errors';
import { DATABASE_MODULE_OPTIONS, type DatabaseModuleOptions } from './database.module-definition';

/** One named statement: the name labels metrics and slow-query logs, never the values. */
export interface Statement {
  name: string;
  text: string;
  values?: unknown[];
}

export type Queryable = Pick<DatabaseService, 'query'>;

@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  readonly pool: Pool;

  private readonly queryDuration: Histogram;

  constructor(@Inject(DATABASE_MODULE_OPTIONS) private readonly options: DatabaseModuleOptions) {
    this.pool = new Pool(toPoolConfig(options));
    const meter = metrics.getMeter('navius');
    this.queryDuration = meter.createHistogram('db.query.duration', { unit: 'ms', description: 'Query latency' });
    meter
      .createObservableGauge('db.pool.connections', { description: 'pg pool connections by state' })
      .addCallback((result) => {
        result.observe(this.pool.totalCount, { state: 'total' });
        result.observe(this.pool.idleCount, { state: 'idle' });
        result.observe(this.pool.waitingCount, { state: 'waiting' });
      });
    // An idle client losing its server (failover, restart) must not crash the process.
    this.pool.on('error', (error) => this.logger.warn(`idle database connection dropped: ${error.message}`));
  }

  async onModuleInit(): Promise<void> {
    await this.migrate();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  async query<Row extends QueryResultRow>(statement: Statement): Promise<Row[]> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const result = await this.pool.query<Row>({
        name: statement.name,
        text: statement.text,
        values: statement.values,
      });
      outcome = 'ok';
      return result.rows;
    } catch (error) {
      throw mapDatabaseError(error);
    } finally {
      this.queryDuration.record(performance.now() - started, { statement: statement.name, outcome });
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back on any error. */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw mapDatabaseError(error);
    }
    const tx: Queryable = {
      query: async <Row extends QueryResultRow>(statement: Statement) => {
        try {
          return (await client.query<Row>({ name: statement.name, text: statement.text, values: statement.values }))
            .rows;
        } catch (error) {
          throw mapDatabaseError(error);
        }
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw mapDatabaseError(error);
    }
  }

  /** Cheap liveness query for readiness. */
  async ping(): Promise<void> {
    await this.query({ name: 'health.ping', text: 'SELECT 1' });
  }

  /** Applies pending migrations; an advisory lock makes N instances starting together migrate once. */
  private async migrate(): Promise<void> {
    const dirs = this.options.migrationDirs ?? [];
    if (dirs.length === 0) return;
    const client = await this.pool.connect();
    try {
      const applied = await runner({
        dbClient: client,
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
      client.release();
    }
  }
}

function toPoolConfig(options: DatabaseModuleOptions): PoolConfig {
  const connection: PoolConfig = options.connectionString
    ? { connectionString: options.connectionString }
    : {
        host: options.host,
        port: options.port ?? 5432,
        user: options.user,
        database: options.database,
        password: options.password,
      };
  return {
    ...connection,
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
    statement_timeout: options.statementTimeoutMs ?? 5_000,
    query_timeout: (options.statementTimeoutMs ?? 5_000) + 1_000,
    application_name: 'navius',
    keepAlive: true,
  };
}
