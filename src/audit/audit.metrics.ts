import { Injectable } from '@nestjs/common';
import { metrics, type Counter, type MeterProvider, type ObservableGauge } from '@opentelemetry/api';
import { METRICS } from '../observability/metrics.catalog';

interface Instruments {
  provider: MeterProvider;
  dropped: Counter;
  depth: ObservableGauge;
}

/** `audit.dropped` and `audit.queue.depth` on the current global MeterProvider (the SDK may be installed late). */
@Injectable()
export class AuditMetrics {
  private instruments?: Instruments;
  private depthOf: () => number = () => 0;

  /** The queue whose length `audit.queue.depth` reports. */
  observeDepth(depthOf: () => number): void {
    this.depthOf = depthOf;
    this.current();
  }

  dropped(count: number): void {
    if (count > 0) this.current().dropped.add(count);
  }

  /** Re-binds to a MeterProvider installed after start-up; cheap when nothing changed. */
  current(): Instruments {
    const provider = metrics.getMeterProvider();
    if (this.instruments?.provider === provider) return this.instruments;
    const meter = provider.getMeter('navius');
    const depth = meter.createObservableGauge('audit.queue.depth', {
      description: METRICS['audit.queue.depth'].description,
    });
    depth.addCallback((result) => result.observe(this.depthOf()));
    this.instruments = {
      provider,
      depth,
      dropped: meter.createCounter('audit.dropped', { description: METRICS['audit.dropped'].description }),
    };
    return this.instruments;
  }
}
