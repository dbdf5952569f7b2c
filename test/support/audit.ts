import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { AuditModule, AUDIT_MIGRATIONS_DIR } from '../../src/audit/audit.module';
import type { AuditModuleOptions } from '../../src/audit/audit.module-definition';
import { AuditRetention } from '../../src/audit/audit.retention';
import { AuditVerifier } from '../../src/audit/audit.verifier';
import { AuditWriter } from '../../src/audit/audit.writer';
import type { AuditEventInput } from '../../src/audit/audit.event';
import { DatabaseModule } from '../../src/database/database.module';
import { DatabaseService } from '../../src/database/database.service';
import { LocalPostgres } from '../../src/local/local-postgres';
import { freshDatabase, tempDir } from './app';

/** The audit room on a database of its own, with a superuser connection to tamper behind the triggers' back. */
export interface AuditRig {
  database: DatabaseService;
  writer: AuditWriter;
  verifier: AuditVerifier;
  retention: AuditRetention;
  /**
   * Runs SQL on one of the service's own pool connections, released without discarding it: pg-pool's query()
   * drops a connection that saw an error, and PGlite's single-connection socket then refuses the next one.
   */
  asService(sql: string): Promise<unknown>;
  /** Runs SQL as the superuser with triggers off (session_replication_role = replica). */
  tamper(sql: string, values?: unknown[]): Promise<void>;
  /** Empties the trail and resets the chain to genesis (as the superuser): a clean slate for the next test. */
  reset(): Promise<void>;
  /** Rows as the superuser sees them. */
  rows(): Promise<{ id: string; prev_hash: string; hash: string; type: string }[]>;
  close(): Promise<void>;
}

export interface AuditBackend {
  name: string;
  /** Several pool connections (false: the embedded PGlite's one). */
  concurrent: boolean;
  start(options?: AuditModuleOptions): Promise<AuditRig>;
}

@Module({})
class AuditRigModule {}

async function rig(url: string, max: number, options: AuditModuleOptions, cleanup: () => Promise<void>) {
  const moduleRef = await NestFactory.createApplicationContext(
    {
      module: AuditRigModule,
      imports: [
        DatabaseModule.forRoot({
          isGlobal: true,
          connectionString: url,
          max,
          migrationDirs: [AUDIT_MIGRATIONS_DIR],
          // The embedded PGlite (one connection) does not take COPY FROM STDIN.
          copyFromStdin: max > 1,
        }),
        AuditModule.forRoot({ retentionDays: 0, ...options }),
      ],
    },
    { logger: false, abortOnError: false },
  );
  const database = moduleRef.get(DatabaseService);
  // PGlite serves one connection: tamper on the pool's; the real server gets a separate superuser session.
  const asSuperuser = async <T>(work: (client: Pick<Client, 'query'>) => Promise<T>): Promise<T> => {
    if (max === 1) {
      const client = await database.pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    }
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    database,
    writer: moduleRef.get(AuditWriter),
    verifier: moduleRef.get(AuditVerifier),
    retention: moduleRef.get(AuditRetention),
    asService: async (sql: string) => {
      const client = await database.pool.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        client.release();
      }
    },
    tamper: (sql: string, values: unknown[] = []) =>
      asSuperuser(async (client) => {
        await client.query('SET session_replication_role = replica');
        try {
          await client.query(sql, values);
        } finally {
          await client.query('RESET session_replication_role');
        }
      }),
    reset: () =>
      asSuperuser(async (client) => {
        await client.query('SET session_replication_role = replica');
        try {
          await client.query('TRUNCATE audit_events, audit_checkpoints RESTART IDENTITY');
          await client.query(`UPDATE audit_chain_head SET last_id = NULL, last_hash = repeat('0', 64)`);
        } finally {
          await client.query('RESET session_replication_role');
        }
      }),
    rows: () =>
      asSuperuser(
        async (client) =>
          (await client.query('SELECT e.id::text, prev_hash, hash, type FROM audit_events e ORDER BY e.id')).rows as {
            id: string;
            prev_hash: string;
            hash: string;
            type: string;
          }[],
      ),
    close: async () => {
      await moduleRef.close();
      await cleanup();
    },
  } satisfies AuditRig;
}

export const AUDIT_BACKENDS: AuditBackend[] = [
  {
    name: 'the real PostgreSQL',
    concurrent: true,
    start: async (options = {}) => {
      const db = await freshDatabase();
      return rig(db.url, 4, options, db.drop);
    },
  },
  {
    name: 'the embedded PGlite',
    concurrent: false,
    start: async (options = {}) => {
      const dir = await tempDir('navius-audit-');
      const postgres = await LocalPostgres.start({ dataDir: dir.path });
      return rig(postgres.url, 1, options, async () => {
        await postgres.stop();
        await dir.remove();
      });
    },
  },
];

export const TENANT = '00000000-0000-4000-8000-00000000a11e';

export function sampleEvent(index: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    at: new Date(),
    type: 'http.request',
    outcome: 'success',
    actor: { tenantId: TENANT, objectId: '00000000-0000-4000-8000-0000000000d5' },
    method: 'GET',
    route: '/v1/documents/:id',
    status: 200,
    ip: '127.0.0.1',
    userAgent: `vitest ✓ ${index}`,
    traceId: `trace-${index}`,
    details: { requestId: `req-${index}`, durationMs: 1.25, nested: { z: [1, 'two', null], a: true } },
    ...overrides,
  };
}

/** Queues `count` events and writes them; returns the ids in chain order. */
export async function writeEvents(rig: AuditRig, count: number, from = 0): Promise<void> {
  for (let index = from; index < from + count; index++) rig.writer.record(sampleEvent(index));
  await rig.writer.flush();
}
