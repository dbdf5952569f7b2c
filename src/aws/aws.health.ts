import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { STSClient } from '@aws-sdk/client-sts';
import { AwsClientFactory } from './aws.client-factory';
import { awsErrorCode, awsRequestIds } from './aws.errors';

/**
 * `aws`: the shared credentials resolve and, with `identityProbe` (aws profile), STS GetCallerIdentity answers
 * (a free call, trusted for `identityProbeCacheMs`). Reports each circuit's state. Bucket reachability is the
 * storage indicator's HeadBucket, which goes through the same factory and breaker.
 */
@Injectable()
export class AwsHealthIndicator implements OnApplicationShutdown {
  private readonly logger = new Logger(AwsHealthIndicator.name);
  private sts?: STSClient;
  private identityConfirmedAt?: number;

  constructor(
    private readonly factory: AwsClientFactory,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'aws', timeoutMs = 2_000): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      await withDeadline(this.factory.credentials.identity(), timeoutMs, 'credentials');
      const identity = this.factory.settings.identityProbe ? await this.probeIdentity(timeoutMs) : 'not probed';
      return indicator.up({ credentials: 'resolved', identity, circuits: this.factory.breakers.states() });
    } catch (error) {
      const { requestId } = awsRequestIds(error);
      this.logger.warn(`AWS availability probe failed: ${awsErrorCode(error)} (requestId=${requestId})`);
      return indicator.down({ message: 'AWS credentials or STS unusable', circuits: this.factory.breakers.states() });
    }
  }

  onApplicationShutdown(): void {
    this.sts?.destroy();
  }

  private async probeIdentity(timeoutMs: number): Promise<'confirmed'> {
    const confirmedAt = this.identityConfirmedAt;
    if (confirmedAt !== undefined && Date.now() - confirmedAt < this.factory.settings.identityProbeCacheMs) {
      return 'confirmed';
    }
    // Loaded on first use: only the aws profile probes STS.
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    this.sts ??= this.factory.create(STSClient, { service: 'sts' });
    await this.sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
    this.identityConfirmedAt = Date.now();
    return 'confirmed';
  }
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} took over ${timeoutMs} ms`), { name: 'TimeoutError' })),
      timeoutMs,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
