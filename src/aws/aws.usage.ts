import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';

/** Where the tenant of the current work comes from: fixed, or read when a call is made (an HTTP request's caller). */
type TenantSource = () => string | undefined;

const tenantContext = new AsyncLocalStorage<TenantSource>();

/** Runs `work` with AWS calls attributed to `tenantId`. */
export function runWithAwsTenant<T>(tenantId: string, work: () => T): T {
  return tenantContext.run(() => tenantId, work);
}

/**
 * Runs `work` (the rest of an HTTP request) with AWS calls attributed to whatever tenant `source` names when each
 * call is made: the request is authenticated later, by a guard, and the tenant is known only then.
 */
export function runWithAwsTenantSource<T>(source: TenantSource, work: () => T): T {
  return tenantContext.run(source, work);
}

/** The tenant the current AWS call is made for, if any. */
export function currentAwsTenant(): string | undefined {
  return tenantContext.getStore()?.();
}

/** Calls and estimated cost of one tenant since the last report. */
export interface TenantUsage {
  calls: Record<string, number>;
  estimatedCostMicroUsd: number;
}

export const NO_TENANT = '(none)';
export const OTHER_TENANTS = '(other)';

/**
 * AWS usage by tenant. Tenants are unbounded, so they are never a metric dimension: usage is summed in memory
 * (at most `maxTenants` rows, the rest under `(other)`) and written as one log line per tenant per interval, which
 * CloudWatch Logs Insights can sum.
 */
export class AwsTenantUsage {
  private readonly logger = new Logger('AwsUsage');
  private usage = new Map<string, TenantUsage>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly maxTenants = 10_000) {}

  /** Counts one call of `service` for the current tenant. */
  record(service: string, costMicroUsd: number, tenantId = currentAwsTenant() ?? NO_TENANT): void {
    const key = this.usage.has(tenantId) || this.usage.size < this.maxTenants ? tenantId : OTHER_TENANTS;
    const row = this.usage.get(key) ?? { calls: {}, estimatedCostMicroUsd: 0 };
    row.calls[service] = (row.calls[service] ?? 0) + 1;
    row.estimatedCostMicroUsd += costMicroUsd;
    this.usage.set(key, row);
  }

  /** Usage since the last flush, by tenant. */
  snapshot(): Record<string, TenantUsage> {
    return Object.fromEntries(this.usage);
  }

  /** Logs one line per tenant and starts a new interval. */
  flush(): void {
    const usage = this.usage;
    this.usage = new Map();
    for (const [tenantId, row] of usage) {
      const cost = Math.round(row.estimatedCostMicroUsd * 1000) / 1000;
      this.logger.log(`aws usage tenant=${tenantId} calls=${JSON.stringify(row.calls)} estimatedCostMicroUsd=${cost}`);
    }
  }

  /** Flushes every `intervalMs` (0: never on a timer). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
