import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../src/config/app-config';
import { signLocalToken } from '../src/local/local-issuer';
import { emfProblems } from '../src/observability/emf.exporter';
import { call } from './support/app';
import { startOtlpSink, startTracedService, type OtlpSpan } from './support/otlp';
import { postInTwoParts, type ServiceProcess } from './support/process';

describe('tracing to X-Ray through OTLP, EMF metrics and trace ids in the logs', () => {
  let sink: Awaited<ReturnType<typeof startOtlpSink>>;
  let traced: Awaited<ReturnType<typeof startTracedService>> | undefined;
  let service: ServiceProcess;
  let stdout = '';
  let documentId = '';
  const startedAtSeconds = Math.floor(Date.now() / 1000);
  let endedAtSeconds = 0;

  beforeAll(async () => {
    sink = await startOtlpSink();
    traced = await startTracedService(sink.url, {
      OTEL_TRACES_SAMPLER: 'always_on',
      METRICS_EXPORTER: 'emf',
      METRICS_EXPORT_INTERVAL_MS: '1000',
      // Every request's audit event fills a batch, so the writer starts a flush from inside the request.
      AUDIT_BATCH_SIZE: '1',
    });
    service = traced.service;
    const token = await signLocalToken({
      dataDir: traced.dataDir,
      clientId: LOCAL_CLIENT_ID,
      roles: ['Documents.Read', 'Documents.Write'],
    });
    const created = await call(`${service.url}/v1/documents`, {
      method: 'POST',
      token,
      json: { name: 'traced.txt', contentType: 'text/plain', size: 3 },
    });
    documentId = (created.body.document as { id: string }).id;
    // The same create with its body arriving 200 ms after its headers: the handler runs from a later socket read.
    const slow = await postInTwoParts(
      service.url,
      token,
      JSON.stringify({ name: 'slow.txt', contentType: 'text/plain', size: 3 }),
      { sentFirst: 0, between: () => new Promise((resolve) => setTimeout(resolve, 200)), connectionClose: true },
    );
    expect(slow).toMatch(/^HTTP\/1\.1 201/);
    const read = (traceHeader?: string) =>
      call(`${service.url}/v1/documents/${documentId}`, {
        token,
        headers: traceHeader ? { 'x-amzn-trace-id': traceHeader } : {},
      });
    expect((await read('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')).status).toBe(200);
    expect((await read('Root=1-6759e988-cd862e3fe1be46a994272794')).status).toBe(200);
    expect((await read()).status).toBe(200);
    endedAtSeconds = Math.ceil(Date.now() / 1000);
    // Let one metrics interval pass, then stop: shutdown flushes the batched spans.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    service.child.kill('SIGTERM');
    stdout = (await service.exited).stdout;
  });

  afterAll(async () => {
    sink.server.close();
    await traced?.destroy();
  });

  const serverSpans = () => sink.spans.filter((span) => span.kind === 2 && span.name === 'GET /v1/documents/:id');

  it('continues an incoming X-Ray trace with its Parent', () => {
    const span = serverSpans().find((s) => s.traceId === '5759e988bd862e3fe1be46a994272793');
    expect(span?.parentSpanId).toBe('53995c3f42cd8ad8');
  });

  it('continues the trace of a Root-only header (as an ALB sends it) as its first segment', () => {
    const span = serverSpans().find((s) => s.traceId === '6759e988cd862e3fe1be46a994272794');
    expect(span).toBeDefined();
    expect(span?.parentSpanId ?? '').toBe('');
  });

  it('traces requests as one SERVER span each, and never the health probes the start-up polled', () => {
    const server = sink.spans.filter((span) => span.kind === 2);
    expect(server.map((span) => span.name).sort()).toEqual([
      'GET /v1/documents/:id',
      'GET /v1/documents/:id',
      'GET /v1/documents/:id',
      'POST /v1/documents',
      'POST /v1/documents',
    ]);
  });

  it('mints X-Ray trace ids (epoch seconds first) when no header comes in', () => {
    const fresh = serverSpans().filter(
      (s) => !['5759e988bd862e3fe1be46a994272793', '6759e988cd862e3fe1be46a994272794'].includes(s.traceId),
    );
    expect(fresh.length).toBeGreaterThan(0);
    for (const span of fresh) {
      const seconds = Number.parseInt(span.traceId.slice(0, 8), 16);
      expect(seconds).toBeGreaterThanOrEqual(startedAtSeconds);
      expect(seconds).toBeLessThanOrEqual(endedAtSeconds);
    }
  });

  it('makes pg and ioredis spans descendants of the request span', () => {
    const byId = new Map(sink.spans.map((span) => [span.spanId, span]));
    const rootOf = (span: OtlpSpan): OtlpSpan => {
      let current = span;
      while (current.parentSpanId && byId.has(current.parentSpanId)) current = byId.get(current.parentSpanId)!;
      return current;
    };
    const pgSpans = sink.spans.filter((span) => span.kind === 3 && span.name.startsWith('pg.query'));
    const redisSpans = sink.spans.filter((span) => span.kind === 3 && /^(get|set|multi|exec|publish)$/.test(span.name));
    expect(pgSpans.length).toBeGreaterThan(0);
    expect(redisSpans.length).toBeGreaterThan(0);
    for (const span of [...pgSpans, ...redisSpans]) {
      expect(rootOf(span).kind, span.name).toBe(2);
      expect(rootOf(span).name).toMatch(/^(GET|POST) \/v1\/documents/);
    }
    // A request with a body keeps its context past body parsing, even when the body comes in a later read: each
    // create's INSERT is under its own POST span.
    const posts = sink.spans.filter((span) => span.kind === 2 && span.name === 'POST /v1/documents');
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      const inserts = pgSpans.filter(
        (span) => rootOf(span).spanId === post.spanId && /INSERT INTO documents/i.test(JSON.stringify(span)),
      );
      expect(inserts.length, `INSERT under POST span ${post.spanId}`).toBeGreaterThan(0);
    }
  });

  it("keeps the audit writer's batches out of the traces of the requests that happened to fill them", () => {
    const auditStatements = sink.spans.filter((span) => /audit\./.test(`${span.name} ${JSON.stringify(span)}`));
    expect(auditStatements.map((span) => span.name)).toEqual([]);
  });

  it('writes the X-Ray trace id and span id into the request log lines', () => {
    const line = stdout
      .split('\n')
      .filter((l) => l.includes('request completed'))
      .map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string })
      .find((entry) => entry.trace_id === '1-5759e988-bd862e3fe1be46a994272793');
    expect(line?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('emits only valid CloudWatch EMF documents, with the HTTP metrics by route and status class', () => {
    const documents = stdout
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(emfProblems(document)).toEqual([]);
    // Counters go out as deltas, one document per interval: on a slow machine the three reads can span two.
    const http = documents.filter((d) => d.route === '/v1/documents/:id' && d.status_class === '2xx');
    expect(http.reduce((sum, d) => sum + Number(d['http.server.requests'] ?? 0), 0)).toBe(3);
    expect(http.every((d) => Array.isArray(d['http.server.duration']))).toBe(true);
    expect(documents.some((d) => d['db.query.duration'] !== undefined)).toBe(true);
  });
});
