import { Logger } from '@nestjs/common';
import { metrics, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import type { InitializeMiddleware, MetadataBearer, Pluggable } from '@smithy/types';
import { METRICS, type MetricName } from '../observability/metrics.catalog';
import { awsErrorCode, awsRequestIds, classifyAwsError, KNOWN_AWS_ERROR_CODES } from './aws.errors';
import { requestPrice, type AwsPriceTable } from './aws.pricing';
import type { AwsTenantUsage } from './aws.usage';

interface Instruments {
  calls: Counter;
  duration: Histogram;
  retries: Counter;
  cost: Counter;
  errors: Counter;
}

/** What one finished call looked like; `service` is a label key such as `s3` or `s3:failover`. */
export interface AwsCallRecord {
  service: string;
  operation: string;
  durationMs: number;
  attempts: number;
  error?: unknown;
}

function metadataOf(value: unknown): MetadataBearer['$metadata'] | undefined {
  if (typeof value !== 'object' || value === null || !('$metadata' in value)) return undefined;
  return (value as MetadataBearer).$metadata;
}

/**
 * Records every AWS SDK call through the OpenTelemetry metrics API (names and bounded dimensions from the metrics
 * catalog), logs every failure with its AWS request id, and adds the call's estimated cost to its tenant's usage.
 */
export class AwsCallMetrics {
  private readonly logger = new Logger('AwsCalls');
  private provider?: MeterProvider;
  private instruments?: Instruments;

  constructor(
    private readonly prices: AwsPriceTable,
    private readonly usage: AwsTenantUsage,
  ) {}

  /** SDK middleware at the outermost step: latency and attempts include every retry and a fast-failing breaker. */
  plugin<Input extends object, Output extends object>(service: string): Pluggable<Input, Output> {
    const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const started = performance.now();
      try {
        const result = await next(args);
        // A presigned URL is built by running the stack without sending anything: not an AWS call.
        if (!('presigned' in result.output)) {
          const attempts = metadataOf(result.output)?.attempts ?? 1;
          this.record({ service, operation, durationMs: performance.now() - started, attempts });
        }
        return result;
      } catch (error) {
        const attempts = metadataOf(error)?.attempts ?? 1;
        this.record({ service, operation, durationMs: performance.now() - started, attempts, error });
        throw error;
      }
    };
    return {
      applyToStack: (stack) =>
        stack.add(middleware, { step: 'initialize', priority: 'high', name: 'naviusCallMetrics', override: true }),
    };
  }

  /** Records one finished call. */
  record(call: AwsCallRecord): void {
    const instruments = this.currentInstruments();
    const kind = call.error === undefined ? 'success' : classifyAwsError(call.error);
    const serviceName = call.service.split(':')[0] ?? call.service;
    const labels = { service: call.service, operation: call.operation };
    instruments.calls.add(1, { ...labels, outcome: kind });
    instruments.duration.record(call.durationMs, labels);
    if (call.attempts > 1) instruments.retries.add(call.attempts - 1, labels);
    // AWS bills requests it answered (4xx included), not its own 5xx nor calls that never reached it.
    const status = metadataOf(call.error)?.httpStatusCode;
    const billed = call.error === undefined || (status !== undefined && status < 500);
    const cost = billed ? requestPrice(this.prices, serviceName, call.operation) : 0;
    if (cost > 0) instruments.cost.add(cost, { service: call.service });
    this.usage.record(call.service, cost);
    if (call.error !== undefined) {
      const code = awsErrorCode(call.error);
      instruments.errors.add(1, { service: call.service, code: KNOWN_AWS_ERROR_CODES.has(code) ? code : 'Other' });
      this.logFailure(call, kind, code);
    }
  }

  private logFailure(call: AwsCallRecord, kind: string, code: string): void {
    const { requestId, extendedRequestId } = awsRequestIds(call.error);
    const status = metadataOf(call.error)?.httpStatusCode ?? 'none';
    const message =
      `${call.service} ${call.operation} failed: ${code} (${kind}, status=${status}, requestId=${requestId}, ` +
      `extendedRequestId=${extendedRequestId ?? 'none'}, attempts=${call.attempts}, ` +
      `durationMs=${Math.round(call.durationMs)})`;
    // A missing object or a lost race is an answer the caller expects, not an incident.
    if (kind === 'not_found' || kind === 'conflict') this.logger.debug(message);
    else this.logger.warn(message);
  }

  /** Instruments of the current global MeterProvider (the observability room may install it after start-up). */
  private currentInstruments(): Instruments {
    const provider = metrics.getMeterProvider();
    if (this.instruments && this.provider === provider) return this.instruments;
    const meter = provider.getMeter('navius');
    const describe = (name: MetricName) => ({ description: METRICS[name].description });
    this.provider = provider;
    this.instruments = {
      calls: meter.createCounter('aws.calls', describe('aws.calls')),
      duration: meter.createHistogram('aws.call.duration', { ...describe('aws.call.duration'), unit: 'ms' }),
      retries: meter.createCounter('aws.call.retries', describe('aws.call.retries')),
      cost: meter.createCounter('aws.estimated_cost', describe('aws.estimated_cost')),
      errors: meter.createCounter('aws.errors', describe('aws.errors')),
    };
    return this.instruments;
  }
}
