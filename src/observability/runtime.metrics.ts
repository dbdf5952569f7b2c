import { metrics } from '@opentelemetry/api';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay (p99 since the last collection) and heap in use, as observable gauges. */
export function registerRuntimeMetrics(): void {
  const meter = metrics.getMeter('navius');
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  meter
    .createObservableGauge('nodejs.eventloop.delay', { unit: 'ms', description: 'Event-loop delay p99' })
    .addCallback((result) => {
      result.observe(delay.percentile(99) / 1e6);
      delay.reset();
    });
  meter
    .createObservableGauge('process.heap.used', { unit: 'By', description: 'V8 heap in use' })
    .addCallback((result) => result.observe(process.memoryUsage().heapUsed));
}
