import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.service';
import { AUDIT_EVENT_TYPES, type ChainedAuditRecord } from './audit.event';
import { chainHash, GENESIS_HASH } from './audit.hash';
import { AuditRepository, type ChainHead, type Checkpoint } from './audit.repository';

export interface VerifyResult {
  ok: boolean;
  /** Rows whose hash and link were checked. */
  checked: number;
  /** The first row where the chain breaks (or, for a missing tail, the id the head still names). */
  firstBrokenId?: string;
}

const PAGE = 1_000;

/**
 * Walks the whole chain in one consistent snapshot: every row must link to the one before (or to the latest
 * checkpoint, or to the genesis hash) and hash to its stored value; the last row must be the one the head
 * names; a checkpoint must be attested by the `audit.purged` event written with it. Triggers keep the app's
 * role from changing rows; this catches what a superuser or table owner did behind them.
 */
@Injectable()
export class AuditVerifier {
  private running?: Promise<VerifyResult>;

  constructor(private readonly repository: AuditRepository) {}

  /**
   * Callers that arrive while a walk is under way share it (its snapshot began before they asked, a moment
   * earlier at most): the whole chain is read once per instance at a time, however many ask at once.
   */
  verify(): Promise<VerifyResult> {
    this.running ??= this.walkSnapshot().finally(() => (this.running = undefined));
    return this.running;
  }

  private async walkSnapshot(): Promise<VerifyResult> {
    return this.repository.database.transaction(async (tx) => {
      await tx.query({ name: 'audit.snapshot', text: 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY' });
      const head = await this.repository.head(tx);
      if (!head) return { ok: false, checked: 0 };
      const checkpoint = await this.repository.latestCheckpoint(tx);
      if (checkpoint) {
        const leftover = await this.repository.oldestAtOrBefore(tx, checkpoint.throughId);
        if (leftover !== undefined) return { ok: false, checked: 0, firstBrokenId: leftover };
      }
      return this.walk(tx, head, checkpoint);
    });
  }

  private async walk(tx: Queryable, head: ChainHead, checkpoint: Checkpoint | undefined): Promise<VerifyResult> {
    let expectedPrev = checkpoint?.throughHash ?? GENESIS_HASH;
    let after = checkpoint?.throughId ?? '0';
    let lastId: string | null = null;
    let checked = 0;
    let purgeAttested = checkpoint === undefined;
    for (;;) {
      const page = await this.repository.chainPage(tx, after, PAGE);
      for (const row of page) {
        const beyondHead = head.lastId === null || BigInt(row.id) > BigInt(head.lastId);
        if (row.prevHash !== expectedPrev || chainHash(row.prevHash, row) !== row.hash || beyondHead) {
          return { ok: false, checked, firstBrokenId: row.id };
        }
        purgeAttested ||= attests(row, checkpoint);
        expectedPrev = row.hash;
        lastId = row.id;
        checked++;
      }
      if (page.length < PAGE) break;
      after = (page[page.length - 1] as ChainedAuditRecord).id;
    }
    if (head.lastId !== lastId || head.lastHash !== expectedPrev) {
      return { ok: false, checked, firstBrokenId: head.lastId ?? undefined };
    }
    if (!purgeAttested) return { ok: false, checked, firstBrokenId: checkpoint?.throughId };
    return { ok: true, checked };
  }
}

function attests(row: ChainedAuditRecord, checkpoint: Checkpoint | undefined): boolean {
  return (
    checkpoint !== undefined &&
    row.type === AUDIT_EVENT_TYPES.purged &&
    row.details['throughId'] === checkpoint.throughId &&
    row.details['throughHash'] === checkpoint.throughHash
  );
}
