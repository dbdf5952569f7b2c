import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsTenantUsage, currentAwsTenant, NO_TENANT, OTHER_TENANTS, runWithAwsTenant } from './aws.usage';

describe('AwsTenantUsage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('attributes calls to the tenant of the async context they run in', async () => {
    const usage = new AwsTenantUsage();
    await Promise.all([
      runWithAwsTenant('tenant-a', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        usage.record('s3', 5);
      }),
      runWithAwsTenant('tenant-b', async () => usage.record('kms', 3)),
    ]);
    usage.record('s3', 0.4);
    expect(currentAwsTenant()).toBeUndefined();
    expect(usage.snapshot()).toEqual({
      'tenant-a': { calls: { s3: 1 }, estimatedCostMicroUsd: 5 },
      'tenant-b': { calls: { kms: 1 }, estimatedCostMicroUsd: 3 },
      [NO_TENANT]: { calls: { s3: 1 }, estimatedCostMicroUsd: 0.4 },
    });
  });

  it('keeps at most maxTenants rows; the rest are summed under (other)', () => {
    const usage = new AwsTenantUsage(2);
    for (const tenant of ['t1', 't2', 't3', 't4', 't1']) usage.record('s3', 1, tenant);
    expect(Object.keys(usage.snapshot()).sort()).toEqual([OTHER_TENANTS, 't1', 't2'].sort());
    expect(usage.snapshot()[OTHER_TENANTS]?.calls.s3).toBe(2);
  });

  it('logs one line per tenant at each flush and starts a new interval', () => {
    const lines: string[] = [];
    vi.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void lines.push(String(message)));
    const usage = new AwsTenantUsage();
    usage.record('s3', 5, 'tenant-a');
    usage.record('s3', 0.4, 'tenant-a');
    usage.flush();
    expect(lines).toEqual(['aws usage tenant=tenant-a calls={"s3":2} estimatedCostMicroUsd=5.4']);
    expect(usage.snapshot()).toEqual({});
  });
});
