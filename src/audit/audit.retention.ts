import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AUDIT_EVENT_TYPES, toStorable } from './audit.event';
import { AUDIT_MODULE_OPTIONS, type AuditModuleOptions } from './audit.module-definition';
import { AuditRepository } from './audit.repository';

const DAY_MS = 86_400_000;
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Purges rows older than the retention period, oldest first, behind a checkpoint that keeps the remaining chain
 * verifiable; the purge itself is an `audit.purged` event in the chain. Instances may run it concurrently: the
 * chain-head lock serializes them and a second run finds nothing to purge.
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(AUDIT_MODULE_OPTIONS) private readonly options: AuditModuleOptions,
    private readonly repository: AuditRepository,
  ) {}

  onApplicationBootstrap(): void {
    const days = this.options.retentionDays ?? 365;
    if (days === 0) return;
    const interval = this.options.retentionIntervalMs ?? 3_600_000;
    const run = () => {
      void this.purgeOlderThan(new Date(Date.now() - days * DAY_MS)).catch((error: unknown) =>
        this.logger.warn(`audit retention run failed: ${(error as Error).message}`),
      );
      this.timer = setTimeout(run, interval).unref();
    };
    this.timer = setTimeout(run, Math.min(interval, FIRST_RUN_DELAY_MS)).unref();
  }

  /** Stops scheduling and lets a run in progress finish while the database pool is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Purges every row of the oldest stretch of the chain written before `cutoff`; returns how many went. */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    this.running = this.repository.purge(cutoff, (checkpoint, rows) =>
      toStorable({
        at: new Date(),
        type: AUDIT_EVENT_TYPES.purged,
        outcome: 'success',
        actor: {},
        details: {
          throughId: checkpoint.throughId,
          throughHash: checkpoint.throughHash,
          rows,
          cutoff: cutoff.toISOString(),
        },
      }),
    );
    const purged = await this.running;
    if (purged > 0) this.logger.log(`audit retention purged ${purged} rows written before ${cutoff.toISOString()}`);
    return purged;
  }
}
