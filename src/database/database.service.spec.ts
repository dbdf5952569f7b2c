import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/support/app';
import { ConflictError, InvalidInputError, UnavailableError } from '../errors/domain-errors';
import { DatabaseService } from './database.service';

describe('DatabaseService against the real PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let migrations: string;

  beforeAll(async () => {
    database = await freshDatabase();
    migrations = await mkdtemp(join(tmpdir(), 'navius-migrations-'));
    await writeFile(
      join(migrations, '1700000000000_widgets.sql'),
      '-- Up Migration\nCREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);\n-- Down Migration\nDROP TABLE widgets;\n',
    );
  });

  afterAll(async () => {
    await database.drop();
    await rm(migrations, { recursive: true, force: true });
  });

  it('migrates once when three instances start together', async () => {
    const instances = [1, 2, 3].map(
      () => new DatabaseService({ connectionString: database.url, migrationDirs: [migrations], max: 2 }),
    );
    await Promise.all(instances.map((instance) => instance.onModuleInit()));
    const [first] = instances;
    const applied = await first!.query<{ name: string }>({ name: 't.applied', text: 'SELECT name FROM pgmigrations' });
    expect(applied.map((row) => row.name)).toEqual(['1700000000000_widgets']);
    await Promise.all(instances.map((instance) => instance.onApplicationShutdown()));
  });

  it('maps driver errors to domain errors', async () => {
    const service = new DatabaseService({ connectionString: database.url, migrationDirs: [migrations] });
    await service.onModuleInit();
    await service.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (1, $1)', values: ['a'] });
    await expect(
      service.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (1, $1)', values: ['b'] }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      service.query({ name: 't.bad', text: 'SELECT * FROM widgets WHERE id = $1', values: ['x'] }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.query({ name: 't.syntax', text: 'SELEKT 1' })).rejects.not.toBeInstanceOf(UnavailableError);
    await service.onApplicationShutdown();
  });

  it('rolls a failed transaction back', async () => {
    const service = new DatabaseService({ connectionString: database.url, migrationDirs: [migrations] });
    await service.onModuleInit();
    await expect(
      service.transaction(async (tx) => {
        await tx.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (2, $1)', values: ['c'] });
        await tx.query({ name: 't.insert', text: 'INSERT INTO widgets VALUES (2, $1)', values: ['d'] });
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    const rows = await service.query({ name: 't.two', text: 'SELECT id FROM widgets WHERE id = 2' });
    expect(rows).toHaveLength(0);
    await service.onApplicationShutdown();
  });

  it('reports an unreachable server as unavailable (503), promptly', async () => {
    const service = new DatabaseService({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 500,
    });
    await expect(service.ping()).rejects.toBeInstanceOf(UnavailableError);
    await service.onApplicationShutdown();
  });
});
