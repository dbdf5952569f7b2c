import { Logger, type LoggerService } from '@nestjs/common';
import { BrokenCircuitError } from 'cockatiel';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/support/app';
import { waitFor } from '../../test/support/services';
import { ConflictError, InvalidInputError, UnavailableError } from '../errors/domain-errors';
import type { DatabaseModuleOptions } from './database.module-definition';
import { DatabaseService } from './database.service';

/** Keeps what the services log, to check the slow-query log. */
const logged: string[] = [];
const capture: LoggerService = {
  log: (message: string) => logged.push(String(message)),
  warn: (message: string) => logged.push(String(message)),
  error: (message: string) => logged.push(String(message)),
};

describe('DatabaseService against the real PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let migrations: string;
  let admin: Client;
  const open: DatabaseService[] = [];

  function service(options: Partial<DatabaseModuleOptions> = {}): DatabaseService {
    const created = new DatabaseService({ connectionString: database.url, migrationDirs: [migrations], ...options });
    open.push(created);
    return created;
  }

  beforeAll(async () => {
    Logger.overrideLogger(capture);
    database = await freshDatabase();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    migrations = await mkdtemp(join(tmpdir(), 'navius-migrations-'));
    // The migration sleeps so that the three instances below really overlap, and counts its own runs.
    await writeFile(
      join(migrations, '1700000000000_widgets.sql'),
      '-- Up Migration\nCREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);\n' +
        'CREATE TABLE migration_runs (at timestamptz NOT NULL DEFAULT now());\n' +
        'INSERT INTO migration_runs SELECT now() FROM pg_sleep(0.5);\n' +
        '-- Down Migration\nDROP TABLE widgets;\n',
    );
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((instance) => instance.onApplicationShutdown()));
  });

  afterAll(async () => {
    await admin.end();
    await database.drop();
    await rm(migrations, { recursive: true, force: true });
  });

  it('migrates once when three instances start together', async () => {
    const instances = [1, 2, 3].map(() => service({ max: 2 }));
    await Promise.all(instances.map((instance) => instance.onModuleInit()));
    const [first] = instances;
    const applied = await first!.query<{ name: string }>({ name: 't.applied', text: 'SELECT name FROM pgmigrations' });
    expect(applied.map((row) => row.name)).toEqual(['1700000000000_widgets']);
    const runs = await first!.query<{ n: string }>({
      name: 't.runs',
      text: 'SELECT count(*) AS n FROM migration_runs',
    });
    expect(runs[0]?.n).toBe('1');
  });

  it('maps driver errors to domain errors', async () => {
    const db = service();
    await db.onModuleInit();
    await db.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (1, $1)', values: ['a'] });
    await expect(
      db.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (1, $1)', values: ['b'] }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      db.query({ name: 't.bad', text: 'SELECT * FROM widgets WHERE id = $1', values: ['x'] }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(db.query({ name: 't.syntax', text: 'SELEKT 1' })).rejects.not.toBeInstanceOf(UnavailableError);
  });

  it('rolls a failed transaction back', async () => {
    const db = service();
    await expect(
      db.transaction(async (tx) => {
        await tx.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (2, $1)', values: ['c'] });
        await tx.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (2, $1)', values: ['d'] });
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    const rows = await db.query({ name: 't.two', text: 'SELECT id FROM widgets WHERE id = 2' });
    expect(rows).toHaveLength(0);
  });

  it('copies rows in COPY text format inside a transaction, and rolls them back with it', async () => {
    const db = service();
    await db.onModuleInit();
    const copied = await db.transaction((tx) =>
      tx.copyFrom({ name: 't.copy', text: 'COPY widgets (id, name) FROM STDIN' }, Buffer.from('10\tten\n11\te\\tl\n')),
    );
    expect(copied).toBe(2);
    const rows = await db.query<{ id: number; name: string }>({
      name: 't.copied',
      text: 'SELECT id, name FROM widgets WHERE id IN (10, 11) ORDER BY id',
    });
    expect(rows).toEqual([
      { id: 10, name: 'ten' },
      { id: 11, name: 'e\tl' },
    ]);
    // A row the table refuses fails the COPY (mapped like any statement) and the transaction's other work with it.
    await expect(
      db.transaction(async (tx) => {
        await tx.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (12, $1)', values: ['twelve'] });
        await tx.copyFrom({ name: 't.copy', text: 'COPY widgets (id, name) FROM STDIN' }, Buffer.from('10\tagain\n'));
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await db.query({ name: 't.twelve', text: 'SELECT id FROM widgets WHERE id = 12' })).toHaveLength(0);
    expect(await db.query({ name: 't.alive', text: 'SELECT 1 AS one' })).toEqual([{ one: 1 }]);
  });

  it('refuses copyFrom where the server is declared not to take COPY FROM STDIN', async () => {
    const db = service({ copyFromStdin: false });
    await db.onModuleInit();
    expect(db.copyFromStdin).toBe(false);
    await expect(
      db.transaction((tx) => tx.copyFrom({ name: 't.copy', text: 'COPY widgets FROM STDIN' }, Buffer.from(''))),
    ).rejects.toThrow(/does not take COPY FROM STDIN/);
  });

  /** Terminates the backend running the statement marked `marker` once it is under way (a failover mid-query). */
  /**
   * Kills the backend running the statement marked `marker` once it sleeps in pg_sleep: by then the statement has
   * taken its nextval (killed any earlier, it would not have, and the sequence could not tell a retry from a first run).
   */
  async function killBackendRunning(marker: string): Promise<void> {
    let pid: number | undefined;
    await waitFor(async () => {
      const result = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE state = 'active' AND wait_event = 'PgSleep' AND query LIKE $1 AND pid <> pg_backend_pid()`,
        [`%${marker}%`],
      );
      pid = result.rows[0]?.pid;
      return pid !== undefined;
    }, marker);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  }

  it('retries an idempotent read once on a new connection when its connection breaks mid-query', async () => {
    const db = service({ max: 2 });
    await db.query({ name: 't.seq', text: 'CREATE SEQUENCE read_attempts' });
    const reading = db.read<{ n: string }>({
      name: 't.read',
      text: "WITH a AS MATERIALIZED (SELECT nextval('read_attempts') AS n) SELECT n FROM a WHERE pg_sleep(0.5) IS NOT NULL /* read-marker */",
    });
    await killBackendRunning('read-marker');
    const [row] = await reading;
    expect(row?.n).toBe('2');
  });

  it('never retries a write whose connection broke: it fails with a 503 and ran once', async () => {
    const db = service({ max: 2 });
    await db.query({ name: 't.seq', text: 'CREATE SEQUENCE write_attempts' });
    // Settled into a value at once: the write may fail before the kill below returns, and must not count as unhandled.
    const writing = db
      .query({
        name: 't.write',
        text:
          "WITH a AS MATERIALIZED (SELECT nextval('write_attempts') AS n) " +
          "INSERT INTO widgets SELECT n, 'w' FROM a WHERE pg_sleep(0.5) IS NOT NULL /* write-marker */",
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await killBackendRunning('write-marker');
    expect(await writing).toBeInstanceOf(UnavailableError);
    const [sequence] = await db.query<{ last_value: string; is_called: boolean }>({
      name: 't.last',
      text: 'SELECT last_value, is_called FROM write_attempts',
    });
    expect(sequence).toEqual({ last_value: '1', is_called: true });
    const written = await db.query({ name: 't.w', text: "SELECT id FROM widgets WHERE name = 'w'" });
    expect(written).toHaveLength(0);
  });

  it('survives the server dropping the connection of a transaction between statements: 503, nothing written, still serving', async () => {
    const db = service({ max: 2 });
    await db.onModuleInit();
    const transaction = db.transaction(async (tx) => {
      await tx.query({ name: 't.tx-insert', text: "INSERT INTO widgets VALUES (900, 'dropped')" });
      const [own] = await tx.query<{ pid: number }>({ name: 't.pid', text: 'SELECT pg_backend_pid() AS pid' });
      // The connection dies while the transaction holds it and no statement is running (a restart, a failover).
      await admin.query('SELECT pg_terminate_backend($1)', [own!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return tx.query({ name: 't.after', text: 'SELECT 1' });
    });
    await expect(transaction).rejects.toBeInstanceOf(UnavailableError);
    const written = await db.query({ name: 't.dropped', text: 'SELECT id FROM widgets WHERE id = 900' });
    expect(written).toHaveLength(0);
  });

  it('fails a COPY whose connection the server dropped with a 503, writes nothing, and keeps serving', async () => {
    const db = service({ max: 2 });
    await db.onModuleInit();
    const transaction = db.transaction(async (tx) => {
      const [own] = await tx.query<{ pid: number }>({ name: 't.pid', text: 'SELECT pg_backend_pid() AS pid' });
      await admin.query('SELECT pg_terminate_backend($1)', [own!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return tx.copyFrom({ name: 't.copy', text: 'COPY widgets (id, name) FROM STDIN' }, Buffer.from('901\tlost\n'));
    });
    await expect(transaction).rejects.toBeInstanceOf(UnavailableError);
    expect(await db.query({ name: 't.lost', text: 'SELECT id FROM widgets WHERE id = 901' })).toHaveLength(0);
  });

  it('sends reads to the reader endpoint and writes to the writer', async () => {
    const reader = await freshDatabase();
    try {
      const db = service({ readerConnectionString: reader.url });
      const name = (statement: string) => ({ name: `t.db-${statement}`, text: 'SELECT current_database() AS name' });
      const [viaRead] = await db.read<{ name: string }>(name('read'));
      const [viaQuery] = await db.query<{ name: string }>(name('query'));
      expect(viaRead?.name).toBe(new URL(reader.url).pathname.slice(1));
      expect(viaQuery?.name).toBe(new URL(database.url).pathname.slice(1));
    } finally {
      await Promise.all(open.splice(0).map((instance) => instance.onApplicationShutdown()));
      await reader.drop();
    }
  });

  it('logs a slow query by statement name, never its values', async () => {
    const db = service({ slowQueryMs: 100 });
    logged.length = 0;
    await db.query({ name: 't.slow', text: 'SELECT $1::text AS v FROM pg_sleep(0.2)', values: ['secret-value-42'] });
    await db.query({ name: 't.fast', text: 'SELECT $1::text AS v', values: ['secret-value-43'] });
    const slowLines = logged.filter((line) => line.includes('slow query'));
    expect(slowLines).toEqual([expect.stringMatching(/^slow query t\.slow: \d+ ms \(ok\)$/)]);
    expect(logged.join('\n')).not.toContain('secret-value');
  });

  it('opens no more new connections per second than configured', async () => {
    const db = service({ max: 10, maxNewConnectionsPerSecond: 4 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, () => db.query({ name: 't.hold', text: 'SELECT pg_sleep(0.05)' })));
    // 4 connections at once, then one every 250 ms: the tenth cannot open before 1.5 s have passed.
    expect(db.pool.totalCount).toBe(10);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it('reports an unreachable server as unavailable (503), then fails fast once its circuit opens', async () => {
    const db = service({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 500,
      circuitFailureThreshold: 2,
      circuitHalfOpenMs: 60_000,
    });
    await expect(db.ping()).rejects.toBeInstanceOf(UnavailableError);
    await expect(db.ping()).rejects.toBeInstanceOf(UnavailableError);
    expect(db.circuit).toBe('open');
    const fast = await db.ping().catch((error: unknown) => error);
    expect(fast).toBeInstanceOf(UnavailableError);
    expect((fast as UnavailableError).cause).toBeInstanceOf(BrokenCircuitError);
    expect((fast as UnavailableError).retryAfterSeconds).toBeGreaterThan(1);
  });
});
