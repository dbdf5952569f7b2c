import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/support/app';
import { DatabaseService } from '../database/database.service';
import { AuditMetrics } from './audit.metrics';
import { AUDIT_MIGRATIONS_DIR } from './audit.module';
import { AuditRepository } from './audit.repository';
import { AuditVerifier } from './audit.verifier';
import { AuditWriter } from './audit.writer';
import type { AuditEventInput } from './audit.event';

/** The real OpenTelemetry SDK with a pull reader. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function auditMetrics(reader: CollectingReader): Promise<{ depth?: number; dropped?: number }> {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  const value = (name: string) => {
    const points = all.find((metric) => metric.descriptor.name === name)?.dataPoints ?? [];
    return points.length > 0 ? Number(points[0]?.value) : undefined;
  };
  return { depth: value('audit.queue.depth'), dropped: value('audit.dropped') };
}

const event = (index: number): AuditEventInput => ({
  at: new Date(),
  type: 'http.request',
  outcome: 'success',
  actor: {},
  route: '/v1/me',
  status: 200,
  details: { requestId: `r${index}` },
});

describe('AuditWriter', () => {
  const reader = new CollectingReader();
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let service: DatabaseService;

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    database = await freshDatabase();
    service = new DatabaseService({ connectionString: database.url, migrationDirs: [AUDIT_MIGRATIONS_DIR] });
    await service.onModuleInit();
  });

  afterAll(async () => {
    await service.onApplicationShutdown();
    await database.drop();
    metrics.disable();
  });

  it('bounds its queue: past queueMax events are dropped and counted, never awaited; the rest are written', async () => {
    const writer = new AuditWriter({ queueMax: 5, batchSize: 100 }, new AuditRepository(service), new AuditMetrics());
    const accepted = Array.from({ length: 8 }, (_, i) => writer.record(event(i)));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(writer.depth).toBe(5);
    expect(await auditMetrics(reader)).toEqual({ depth: 5, dropped: 3 });

    await writer.flush();
    expect(writer.depth).toBe(0);
    expect((await auditMetrics(reader)).depth).toBe(0);
    const repository = new AuditRepository(service);
    const verifier = new AuditVerifier(repository);
    expect(await verifier.verify()).toEqual({ ok: true, checked: 5 });
    // Concurrent callers share one walk of the chain.
    let pages = 0;
    const chainPage = repository.chainPage.bind(repository);
    repository.chainPage = (...args) => {
      pages += 1;
      return chainPage(...args);
    };
    const results = await Promise.all([verifier.verify(), verifier.verify(), verifier.verify()]);
    expect(results).toEqual(Array(3).fill({ ok: true, checked: 5 }));
    expect(pages).toBe(1);
    await verifier.verify();
    expect(pages).toBe(2);
  });

  it('ends a flush under steady traffic, with every event queued before the call written', async () => {
    const repository = new AuditRepository(service);
    const writer = new AuditWriter({ queueMax: 1_000, batchSize: 2 }, repository, new AuditMetrics());
    // Every batch written brings one new event, as requests keep arriving while the writer works.
    let arrived = 0;
    let traffic = true;
    const append = repository.append.bind(repository);
    repository.append = async (...args) => {
      const written = await append(...args);
      if (traffic) writer.record(event(3_000 + arrived++));
      return written;
    };
    const count = async (like: string) =>
      Number(
        (
          await service.query<{ n: string }>({
            name: 't.count-like',
            text: `SELECT count(*)::text AS n FROM audit_events WHERE details->>'requestId' LIKE $1`,
            values: [like],
          })
        )[0]?.n,
      );
    // The second event fills a batch and starts a pass over those two while three more queue behind it.
    for (let i = 0; i < 5; i++) writer.record(event(2_000 + i));

    await writer.flush();
    expect(await count('r200%')).toBe(5);
    expect(arrived).toBeGreaterThan(0);

    traffic = false;
    await writer.flush();
    expect(writer.depth).toBe(0);
    expect(await count('r300%')).toBe(arrived);
  });

  it('keeps events queued while the database is unreachable, without throwing, and writes them once it is back', async () => {
    const down = new DatabaseService({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 300,
    });
    const repository = new AuditRepository(down);
    const writer = new AuditWriter({ queueMax: 100, batchSize: 10 }, repository, new AuditMetrics());
    for (let i = 0; i < 3; i++) writer.record(event(100 + i));
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(writer.depth).toBe(3);
    expect(writer.dropped).toBe(0);
    await down.onApplicationShutdown();

    // The same queued events, handed to a writer whose database answers (as after a failover).
    Object.assign(repository, { database: service });
    await writer.flush();
    expect(writer.depth).toBe(0);
    const rows = await service.query<{ n: string }>({
      name: 't.count',
      text: `SELECT count(*)::text AS n FROM audit_events WHERE details->>'requestId' LIKE 'r10%'`,
    });
    expect(rows[0]?.n).toBe('3');
  });
});
