import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { UnavailableError } from '../errors/domain-errors';
import { toStorable, type AuditEventInput, type AuditRecord } from './audit.event';
import { AuditMetrics } from './audit.metrics';
import { AUDIT_MODULE_OPTIONS, type AuditModuleOptions } from './audit.module-definition';
import { AuditRepository } from './audit.repository';

const SHUTDOWN_ATTEMPTS = 3;

/**
 * The single writer of this instance: events wait in a bounded in-memory queue (never blocking a request) and
 * are appended in batches, one transaction at a time. Overflow is dropped and counted, never awaited.
 */
@Injectable()
export class AuditWriter implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('AuditWriter');
  private readonly queueMax: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private queue: Omit<AuditRecord, 'id'>[] = [];
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private droppedTotal = 0;
  /**
   * Runs a function in the async context the writer was created in. A batch is the writer's own work, not that of
   * the request whose event happened to fill it: in the request's context its queries would join that request's
   * trace (and outlive its span).
   */
  private readonly detached = AsyncLocalStorage.snapshot();

  constructor(
    @Inject(AUDIT_MODULE_OPTIONS) options: AuditModuleOptions,
    private readonly repository: AuditRepository,
    private readonly metrics: AuditMetrics,
  ) {
    this.queueMax = options.queueMax ?? 10_000;
    this.batchSize = options.batchSize ?? 1_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.metrics.observeDepth(() => this.queue.length);
  }

  /** Events waiting to be written. */
  get depth(): number {
    return this.queue.length;
  }

  /** Events dropped since start because the queue was full or a row could not be stored. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Queues one event; returns false (and counts a drop) when the queue is full. Never throws, never waits. */
  record(event: AuditEventInput): boolean {
    if (this.queue.length >= this.queueMax) {
      this.drop(1);
      return false;
    }
    this.queue.push(toStorable(event));
    // A pass in progress leaves what arrives meanwhile to the next: the next event or the timer starts it.
    if (this.queue.length >= this.batchSize && !this.flushing) this.detached(() => void this.flush());
    return true;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Writes what is queued so far while the HTTP server still drains: less left for the last flush. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /**
   * The HTTP server has closed by now (every answered request has queued its event); the database room,
   * a global module registered before this one, closes its pool only after this hook returns.
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (let attempt = 1; this.queue.length > 0 && attempt <= SHUTDOWN_ATTEMPTS; attempt++) {
      await this.flush();
      if (this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
    if (this.queue.length > 0) {
      this.logger.error(`${this.queue.length} audit events could not be written before shutdown`);
      this.drop(this.queue.splice(0).length);
    }
  }

  /**
   * Writes every event queued when called; concurrent callers share one pass. A pass writes the events it found
   * when it began: under steady traffic a pass that chased the queue until it was empty would never end (and the
   * drain awaiting it would run into the shutdown deadline). A pass already running may have begun before some of
   * this caller's events, so those go in the pass after it.
   */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    this.flushing ??= this.writeQueued().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    this.metrics.current();
    for (let left = this.queue.length; left > 0 && this.queue.length > 0;) {
      const batch = this.queue.splice(0, Math.min(this.batchSize, left));
      left -= batch.length;
      try {
        await this.repository.append(batch);
      } catch (error) {
        if (error instanceof UnavailableError) {
          this.requeue(batch);
          this.logger.warn(`audit write deferred, database unavailable; ${this.queue.length} events queued`);
          return;
        }
        await this.writeOneByOne(batch, error);
      }
    }
  }

  /** A batch refused for its content: store each event alone so one bad row cannot hold back the others. */
  private async writeOneByOne(batch: Omit<AuditRecord, 'id'>[], cause: unknown): Promise<void> {
    this.logger.error(`audit batch refused (${(cause as Error).message}); writing its events one by one`);
    for (const [index, event] of batch.entries()) {
      try {
        await this.repository.append([event]);
      } catch (error) {
        if (error instanceof UnavailableError) {
          this.requeue(batch.slice(index));
          return;
        }
        this.logger.error(`audit event of type ${event.type} dropped: ${(error as Error).message}`);
        this.drop(1);
      }
    }
  }

  /** Puts a batch back at the head of the queue, dropping (and counting) what no longer fits. */
  private requeue(batch: Omit<AuditRecord, 'id'>[]): void {
    const room = Math.max(0, this.queueMax - this.queue.length);
    this.queue.unshift(...batch.slice(0, room));
    this.drop(batch.length - Math.min(room, batch.length));
  }

  private drop(count: number): void {
    if (count <= 0) return;
    this.droppedTotal += count;
    this.metrics.dropped(count);
  }
}
