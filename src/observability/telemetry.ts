import { FastifyOtelInstrumentation } from '@fastify/otel';
import {
  context,
  createNoopMeter,
  metrics,
  propagation,
  trace,
  type MeterProvider as MeterProviderApi,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { awsEcsDetector } from '@opentelemetry/resource-detector-aws';
import { defaultResource, detectResources, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { AppConfig } from '../config/app-config';
import { CatalogueFilterExporter } from './catalogue.filter';
import { EmfMetricExporter } from './emf.exporter';
import { registerRuntimeMetrics } from './runtime.metrics';
import { nameServerSpan } from './tracing.hooks';
import { XRayContinuingIdGenerator, XRayRootContinuingPropagator } from './xray-propagation';

export type TelemetryConfig = AppConfig['telemetry'];

/** What startTelemetry registered, for the flush on shutdown. */
let running: { tracerProvider?: TracerProvider; meterProvider?: MeterProvider } | undefined;

/**
 * The instrumentations' own metrics are not recorded at all: the catalogue's are the service's metrics. A no-op
 * meter, rather than a DROP view, costs them nothing per request.
 */
const NO_METRICS: MeterProviderApi = { getMeter: () => createNoopMeter() };

/**
 * Starts OpenTelemetry: X-Ray ids and propagation (plus W3C trace context and baggage), the instrumentations, a
 * batch span processor, and the metrics reader of METRICS_EXPORTER.
 * Must run before the instrumented libraries are first required (see telemetry.preload.ts).
 *
 * Composed from the SDK's parts rather than `@opentelemetry/sdk-node`'s NodeSDK, which loads every exporter it
 * could be configured with (gRPC, Zipkin, Prometheus, logs: ~1,000 modules, ~300 ms of start-up) to use none of them.
 */
export function startTelemetry(config: TelemetryConfig): void {
  if (config.disabled || running) return;
  const instrumentations = createInstrumentations();
  registerInstrumentations({ instrumentations });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new XRayRootContinuingPropagator(), new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  // The ECS detector's attributes (cluster, task, container) arrive asynchronously; exporters wait for them.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [awsEcsDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }));

  const readers = metricReadersOf(config);
  const meterProvider = readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;
  if (meterProvider) metrics.setGlobalMeterProvider(meterProvider);
  for (const instrumentation of instrumentations) instrumentation.setMeterProvider(NO_METRICS);

  const spanProcessors = spanProcessorsOf(config);
  const tracerProvider =
    spanProcessors.length > 0
      ? new TracerProvider({
          resource,
          sampler: samplerOf(config, resource),
          idGenerator: new XRayContinuingIdGenerator(),
          spanProcessors,
        })
      : undefined;
  if (tracerProvider) trace.setGlobalTracerProvider(tracerProvider);

  registerRuntimeMetrics();
  running = { tracerProvider, meterProvider };
}

/** Flushes spans and metrics; called on graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  const stopping = running;
  running = undefined;
  if (!stopping) return;
  await Promise.all([stopping.tracerProvider?.shutdown(), stopping.meterProvider?.shutdown()]);
}

/**
 * Fastify (the request span), outgoing http, pg, ioredis and the AWS SDK; a spec checks that each supports the
 * installed version of what it patches. Not Nest's: `@opentelemetry/instrumentation-nestjs-core` patches
 * `@nestjs/core` below 12 only, so on this Nest it would patch nothing; the request span covers Nest's pipeline.
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    // Outgoing calls only. The server span comes from Fastify's own instrumentation: http's binds every request's
    // and response's event emitters to the context, which cost a quarter of the throughput here (npm run bench:otel).
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // One span per request, named after the route template (tracing.hooks.ts), not one per hook and handler.
      instrumentHooks: false,
      instrumentHandler: false,
      requestHook: nameServerSpan,
      // Probes would drown real traffic in traces.
      ignorePaths: (route) => route.url.startsWith('/health/'),
    }),
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ];
}

function samplerOf(config: TelemetryConfig, resource: Resource): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'xray': {
      // Parent-based: a sampled (or not) caller decides; otherwise X-Ray's rules, matched on service name, method,
      // path and host, with their reservoirs and fixed rates (1 request/s + 5 % until the rules have arrived).
      const { AWSXRayRemoteSampler } = loadOnDemand<typeof import('@opentelemetry/sampler-aws-xray')>(
        '@opentelemetry/sampler-aws-xray',
      );
      return new AWSXRayRemoteSampler({
        // The sampler is built against the 2.x SDK; it reads only the resource's attributes.
        resource: resource as unknown as ConstructorParameters<typeof AWSXRayRemoteSampler>[0]['resource'],
        endpoint: config.xraySamplingEndpoint,
        pollingInterval: config.xraySamplingRulesIntervalS,
      }) as unknown as Sampler;
    }
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

function otlpUrl(config: TelemetryConfig, signal: 'traces' | 'metrics'): string {
  return `${(config.otlpEndpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/${signal}`;
}

function spanProcessorsOf(config: TelemetryConfig): SpanProcessor[] {
  if (config.tracesExporter === 'none') return [];
  const url = otlpUrl(config, 'traces');
  // Exporters (and the X-Ray sampler) are required only when chosen: each drags in dozens of modules.
  const exporter =
    config.otlpProtocol === 'http/json'
      ? new (loadOnDemand<typeof import('@opentelemetry/exporter-trace-otlp-http')>(
          '@opentelemetry/exporter-trace-otlp-http',
        ).OTLPTraceExporter)({ url })
      : new (loadOnDemand<typeof import('@opentelemetry/exporter-trace-otlp-proto')>(
          '@opentelemetry/exporter-trace-otlp-proto',
        ).OTLPTraceExporter)({ url });
  return [new BatchSpanProcessor({ exporter })];
}

function metricReadersOf(config: TelemetryConfig): IMetricReader[] {
  const interval = {
    exportIntervalMillis: config.metricsIntervalMs,
    exportTimeoutMillis: config.metricsIntervalMs / 2,
  };
  switch (config.metricsExporter) {
    case 'emf':
      return [
        new PeriodicExportingMetricReader({
          exporter: new CatalogueFilterExporter(new EmfMetricExporter(config.serviceName)),
          ...interval,
        }),
      ];
    case 'otlp': {
      const { OTLPMetricExporter } = loadOnDemand<typeof import('@opentelemetry/exporter-metrics-otlp-proto')>(
        '@opentelemetry/exporter-metrics-otlp-proto',
      );
      return [
        new PeriodicExportingMetricReader({
          exporter: new CatalogueFilterExporter(new OTLPMetricExporter({ url: otlpUrl(config, 'metrics') })),
          ...interval,
        }),
      ];
    }
    case 'none':
      return [];
  }
}

/** A module required when first needed (telemetry starts synchronously, before the service's modules load). */
function loadOnDemand<Module>(name: string): Module {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name) as Module;
}
