import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { TalliedCounter } from './tallied-counter';

/** HTTP request metrics of the catalogue: count, latency and 5xx errors by route template and status class. */
export class HttpMetrics {
  private readonly requests: TalliedCounter<'route' | 'method' | 'status_class'>;
  private readonly duration: Histogram;
  private readonly errors: Counter;

  constructor() {
    const meter = metrics.getMeter('navius');
    this.requests = new TalliedCounter(meter, 'http.server.requests', { description: 'HTTP requests answered' }, [
      'route',
      'method',
      'status_class',
    ]);
    this.duration = meter.createHistogram('http.server.duration', {
      unit: 'ms',
      description: 'HTTP request latency',
      advice: { explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] },
    });
    this.errors = meter.createCounter('http.server.errors', { description: 'HTTP answers with status 5xx' });
  }

  /** `route` is the template (`/v1/documents/:id`), never the raw path: ids would make the metric unbounded. */
  record(route: string | undefined, method: string, status: number, durationMs: number): void {
    const attributes = { route: route ?? 'unmatched', method, status_class: `${Math.floor(status / 100)}xx` };
    this.requests.add(1, attributes);
    this.duration.record(durationMs, attributes);
    if (status >= 500) this.errors.add(1, { route: attributes.route, error_type: String(status) });
  }
}
