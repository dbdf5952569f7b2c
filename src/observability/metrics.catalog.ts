/**
 * Every metric the service emits, with its unit and its (bounded) dimensions.
 * Code records through the OpenTelemetry metrics API under these names; the EMF exporter publishes them to
 * CloudWatch in METRICS_NAMESPACE; the Terraform alarms and dashboard (infra/) may only reference names listed
 * here, and a test checks that they do. No dimension may carry an unbounded value (ids, paths, tenants).
 */
export const METRICS_NAMESPACE = 'Navius';

export interface MetricSpec {
  /** OTel instrument kind. */
  kind: 'counter' | 'histogram' | 'gauge' | 'updown';
  /** CloudWatch unit. */
  unit: 'Count' | 'Milliseconds' | 'Bytes' | 'None';
  description: string;
  /** Allowed attribute keys; each value set is bounded. */
  dimensions: readonly string[];
}

export const METRICS = {
  'http.server.requests': {
    kind: 'counter',
    unit: 'Count',
    description: 'HTTP requests answered, by route template, method and status class (2xx..5xx)',
    dimensions: ['route', 'method', 'status_class'],
  },
  'http.server.duration': {
    kind: 'histogram',
    unit: 'Milliseconds',
    description: 'HTTP request latency, by route template, method and status class',
    dimensions: ['route', 'method', 'status_class'],
  },
  'http.server.errors': {
    kind: 'counter',
    unit: 'Count',
    description: 'Answers with status 5xx, by route template and problem type',
    dimensions: ['route', 'error_type'],
  },
  'nodejs.eventloop.delay': {
    kind: 'gauge',
    unit: 'Milliseconds',
    description: 'Event-loop delay p99 over the export interval',
    dimensions: [],
  },
  'process.heap.used': { kind: 'gauge', unit: 'Bytes', description: 'V8 heap in use', dimensions: [] },
  'db.pool.connections': {
    kind: 'gauge',
    unit: 'Count',
    description: 'pg pool connections by state (total, idle, waiting)',
    dimensions: ['state'],
  },
  'db.query.duration': {
    kind: 'histogram',
    unit: 'Milliseconds',
    description: 'Query latency by statement name and outcome',
    dimensions: ['statement', 'outcome'],
  },
  'cache.requests': {
    kind: 'counter',
    unit: 'Count',
    description: 'Cache lookups by tier (local, redis) and result (hit, miss, error)',
    dimensions: ['tier', 'result'],
  },
  'cache.duration': {
    kind: 'histogram',
    unit: 'Milliseconds',
    description: 'Redis command latency by tier (redis) and operation (get, set, invalidate, publish, throttle)',
    dimensions: ['tier', 'operation'],
  },
  'cache.evictions': {
    kind: 'counter',
    unit: 'Count',
    description: 'Entries evicted for room: local LRU evictions, Redis evicted_keys (INFO) since the last reading',
    dimensions: ['tier'],
  },
  'cache.redis.memory': {
    kind: 'gauge',
    unit: 'Bytes',
    description: 'Memory Redis uses (INFO used_memory, summed over the masters in cluster mode)',
    dimensions: [],
  },
  'aws.calls': {
    kind: 'counter',
    unit: 'Count',
    description: 'AWS SDK calls by service, operation and outcome (success, error code class)',
    dimensions: ['service', 'operation', 'outcome'],
  },
  'aws.call.duration': {
    kind: 'histogram',
    unit: 'Milliseconds',
    description: 'AWS SDK call latency including retries',
    dimensions: ['service', 'operation'],
  },
  'aws.call.retries': {
    kind: 'counter',
    unit: 'Count',
    description: 'Retries the SDK made, by service and operation',
    dimensions: ['service', 'operation'],
  },
  'aws.estimated_cost': {
    kind: 'counter',
    unit: 'None',
    description: 'Estimated request cost in micro-USD from the configured price table',
    dimensions: ['service'],
  },
  'aws.errors': {
    kind: 'counter',
    unit: 'Count',
    description: 'Failed AWS SDK calls by service and AWS error code (codes the mapper knows, else Other)',
    dimensions: ['service', 'code'],
  },
  'auth.failures': {
    kind: 'counter',
    unit: 'Count',
    description: 'Refused tokens and permissions by reason code',
    dimensions: ['reason'],
  },
  'audit.queue.depth': {
    kind: 'gauge',
    unit: 'Count',
    description: 'Audit events waiting to be written',
    dimensions: [],
  },
  'audit.dropped': {
    kind: 'counter',
    unit: 'Count',
    description: 'Audit events dropped because the bounded queue was full',
    dimensions: [],
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
