import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentSchema } from '../../src/config/config.schema';
import { METRICS, METRICS_NAMESPACE } from '../../src/observability/metrics.catalog';

const DOCKER = join(__dirname, '..', '..', 'docker');
/** ECS's default stop timeout: SIGKILL follows SIGTERM after this long. */
const ECS_STOP_TIMEOUT_MS = 30_000;

type Json = Record<string, unknown>;
interface Service {
  image?: string;
  build?: Json;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  tmpfs?: string[];
  user?: string;
  stop_grace_period?: string;
  stop_signal?: string;
  command?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
}
interface Pipeline {
  receivers: string[];
  processors: string[];
  exporters: string[];
}
interface CollectorConfig {
  extensions: Json;
  receivers: Json;
  processors: Json;
  exporters: Record<string, Json>;
  service: { extensions: string[]; pipelines: Record<string, Pipeline> };
}
interface MetricDeclaration {
  dimensions: string[][];
  metric_name_selectors: string[];
}

/** The collector's `--config a --config b`: maps merge key by key, anything else (lists too) is replaced. */
function mergeConfig(base: unknown, overlay: unknown): unknown {
  const isMap = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isMap(base) || !isMap(overlay)) return overlay;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = mergeConfig(base[key], value);
  return merged;
}

/** Every component a pipeline names is configured. */
function expectWired(config: CollectorConfig): void {
  for (const extension of config.service.extensions) expect(config.extensions).toHaveProperty([extension]);
  for (const pipeline of Object.values(config.service.pipelines)) {
    for (const receiver of pipeline.receivers) expect(config.receivers).toHaveProperty([receiver]);
    for (const processor of pipeline.processors) expect(config.processors).toHaveProperty([processor]);
    for (const exporter of pipeline.exporters) expect(config.exporters).toHaveProperty([exporter]);
  }
}

const durationMs = (value: string | undefined) => {
  const match = /^(\d+)(ms|s|m)$/.exec(value ?? '');
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
};

describe('local stack (docker/compose.yaml) and the ADOT collector configuration', () => {
  let services: Record<string, Service>;
  let collector: CollectorConfig;
  let local: CollectorConfig;

  beforeAll(async () => {
    const read = async (name: string) => parse(await readFile(join(DOCKER, name), 'utf8')) as unknown;
    services = ((await read('compose.yaml')) as { services: Record<string, Service> }).services;
    collector = (await read('otel-collector.yaml')) as CollectorConfig;
    local = mergeConfig(collector, await read('otel-collector.local.yaml')) as CollectorConfig;
  });

  it('runs the real services: PostgreSQL, Redis, an S3-compatible server and the ADOT collector, pinned', () => {
    const images = Object.values(services).flatMap((service) => (service.image ? [service.image] : []));
    for (const prefix of [
      'postgres:',
      'redis:',
      'minio/minio:',
      'public.ecr.aws/aws-observability/aws-otel-collector:',
    ]) {
      expect(images.some((image) => image.startsWith(prefix))).toBe(true);
    }
    for (const image of images.filter((name) => name !== 'navius:local')) {
      expect(image).toMatch(/:(v?\d+\.\d+\.\d+|\d+\.\d+-\w+|RELEASE\.[\dT-]+Z)(-\w+)?$/);
    }
  });

  it('points the service at those services with configuration names the service knows', () => {
    const app = services.app;
    const env = app?.environment ?? {};
    const known = Object.keys(environmentSchema.shape);
    expect(Object.keys(env).filter((name) => !known.includes(name) && !name.startsWith('AWS_'))).toEqual([]);
    expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgres');
    expect(new URL(env.REDIS_URL ?? '').hostname).toBe('redis');
    expect(new URL(env.S3_ENDPOINT ?? '').hostname).toBe('minio');
    expect(new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').hostname).toBe('otel-collector');
    expect(environmentSchema.safeParse(env).success).toBe(true);
    for (const dependency of ['postgres', 'redis', 'minio-init', 'otel-collector']) {
      expect(app?.depends_on).toHaveProperty([dependency]);
    }
    expect(app?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('runs the image as ECS does: read-only root, /tmp as tmpfs, non-root, drained before the stop timeout', () => {
    const app = services.app;
    expect(app?.build).toMatchObject({ context: '..', dockerfile: 'Dockerfile' });
    expect(app?.read_only).toBe(true);
    expect(app?.tmpfs?.some((mount) => mount.startsWith('/tmp:'))).toBe(true);
    expect(app?.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(app?.stop_signal).toBe('SIGTERM');
    const drain = Number(app?.environment?.SHUTDOWN_DRAIN_DELAY_MS);
    const deadline = Number(app?.environment?.SHUTDOWN_TIMEOUT_MS);
    expect(drain).toBeGreaterThan(0);
    expect(drain).toBeLessThan(deadline);
    expect(deadline).toBeLessThan(durationMs(app?.stop_grace_period));
    expect(durationMs(app?.stop_grace_period)).toBeLessThanOrEqual(ECS_STOP_TIMEOUT_MS);
    expect(environmentSchema.parse({}).SHUTDOWN_TIMEOUT_MS).toBeLessThan(ECS_STOP_TIMEOUT_MS);
  });

  it('gives the collector the shared configuration with the local overlay on top', () => {
    const otel = services['otel-collector'];
    expect(otel?.command).toEqual([
      '--config=/etc/otel/otel-collector.yaml',
      '--config=/etc/otel/otel-collector.local.yaml',
    ]);
    expect(otel?.volumes).toEqual(
      expect.arrayContaining([
        './otel-collector.yaml:/etc/otel/otel-collector.yaml:ro',
        './otel-collector.local.yaml:/etc/otel/otel-collector.local.yaml:ro',
      ]),
    );
  });

  it('on ECS: traces to X-Ray, metrics to CloudWatch EMF, OTLP on the task loopback only', () => {
    expectWired(collector);
    expect(collector.service.pipelines.traces?.exporters).toEqual(['awsxray']);
    expect(collector.service.pipelines.metrics?.exporters).toEqual(['awsemf']);
    expect(collector.exporters).toHaveProperty(['debug']);
    expect(JSON.stringify(collector.receivers)).not.toContain('0.0.0.0');
    // OTEL_TRACES_SAMPLER=xray reads X-Ray's sampling rules through the sidecar, on the loopback too.
    expect(collector.service.extensions).toContain('awsproxy');
    expect(collector.extensions).toMatchObject({ awsproxy: { endpoint: '127.0.0.1:2000' } });
    for (const pipeline of Object.values(collector.service.pipelines))
      expect(pipeline.processors[0]).toBe('memory_limiter');
  });

  it('locally: the same pipelines print to the debug exporter and listen on the compose network', () => {
    expectWired(local);
    expect(local.service.pipelines.traces).toMatchObject({ receivers: ['otlp'], exporters: ['debug'] });
    expect(local.service.pipelines.metrics).toMatchObject({ receivers: ['otlp'], exporters: ['debug'] });
    expect(local.service.pipelines.traces?.processors).toEqual(collector.service.pipelines.traces?.processors);
    expect(JSON.stringify(local.receivers)).toContain('0.0.0.0:4318');
    expect(local.service.extensions).toEqual(['health_check']);
  });

  it('publishes exactly the metric catalogue: its namespace, each metric once, with its own dimensions and roll-ups of them', () => {
    const emf = collector.exporters.awsemf as { namespace: string; metric_declarations: MetricDeclaration[] };
    expect(emf.namespace).toBe(METRICS_NAMESPACE);
    for (const [name, spec] of Object.entries(METRICS)) {
      const matching = emf.metric_declarations.filter((declaration) =>
        declaration.metric_name_selectors.some((selector) => new RegExp(selector).test(name)),
      );
      expect(matching, name).toHaveLength(1);
      const sets = matching[0]?.dimensions.map((set) => [...set].sort()) ?? [];
      expect(sets[0], name).toEqual([...spec.dimensions].sort());
      for (const set of sets)
        expect(
          set.every((dimension) => (spec.dimensions as readonly string[]).includes(dimension)),
          name,
        ).toBe(true);
    }
    const selectors = emf.metric_declarations.flatMap((declaration) => declaration.metric_name_selectors);
    for (const selector of selectors) {
      expect(
        Object.keys(METRICS).some((name) => new RegExp(selector).test(name)),
        selector,
      ).toBe(true);
    }
  });
});
