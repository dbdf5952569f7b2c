import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEventInput, ChainedAuditRecord } from '../src/audit/audit.event';
import { chainHash, GENESIS_HASH } from '../src/audit/audit.hash';
import { AuditMetrics } from '../src/audit/audit.metrics';
import { AuditRepository, fromRow } from '../src/audit/audit.repository';
import { AuditWriter } from '../src/audit/audit.writer';
import { DatabaseService } from '../src/database/database.service';
import { AUDIT_BACKENDS, sampleEvent, writeEvents, type AuditRig } from './support/audit';

describe.each(AUDIT_BACKENDS)('the audit hash chain on $name', (backend) => {
  let rig: AuditRig;
  beforeAll(async () => {
    rig = await backend.start({ batchSize: 4 });
  });
  afterAll(async () => rig?.close());
  beforeEach(async () => rig.reset());

  it('appends in batches, each row linked to the one before, and verifies', async () => {
    await writeEvents(rig, 10);
    const rows = await rig.rows();
    expect(rows).toHaveLength(10);
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    expect(await rig.verifier.verify()).toEqual({ ok: true, checked: 10 });
  });

  it('stores any event so that it hashes the same when read back (unicode, nesting, numbers)', async () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    const events = fc.sample(
      fc.record({
        userAgent: fc.string({ unit: 'binary', maxLength: 600 }),
        route: fc.string({ unit: 'grapheme' }),
        details: fc.dictionary(fc.string({ unit: 'binary' }), json, { maxKeys: 5 }),
      }),
      { numRuns: 120, seed: 7 },
    );
    for (const [index, extra] of events.entries()) {
      rig.writer.record(sampleEvent(index, extra as Partial<AuditEventInput>));
    }
    await rig.writer.flush();
    expect(rig.writer.dropped).toBe(0);
    expect(await rig.verifier.verify()).toEqual({ ok: true, checked: 120 });
  });

  it("refuses UPDATE, DELETE and TRUNCATE from the service's own connection", async () => {
    await writeEvents(rig, 3);
    const sql = (text: string) => rig.asService(text);
    await expect(sql(`UPDATE audit_events SET status = 500 WHERE id = 2`)).rejects.toMatchObject({ code: '42501' });
    await expect(sql(`DELETE FROM audit_events WHERE id = 2`)).rejects.toMatchObject({ code: '42501' });
    await expect(sql(`TRUNCATE audit_events`)).rejects.toMatchObject({ code: '42501' });
    await expect(sql(`UPDATE audit_chain_head SET last_id = 1`)).rejects.toMatchObject({ code: '23514' });
    expect(await rig.verifier.verify()).toEqual({ ok: true, checked: 3 });
  });

  it('refuses a row whose hashes are not 64 lowercase hex digits, even from a superuser', async () => {
    await writeEvents(rig, 1);
    const row = { ...(await storedRow(rig, 1)), id: '2' };
    const valid = chainHash(row.hash, row);
    const refused: Array<[string, string]> = [
      [row.hash, valid.toUpperCase()],
      [row.hash, valid.slice(1)],
      [row.hash, `${valid}0`],
      [row.hash, `${valid.slice(1)}g`],
      [`${row.hash.slice(1)} `, valid],
    ];
    for (const [prevHash, hash] of refused) {
      await expect(insertForged(rig, { ...row, prevHash }, hash), `${prevHash} ${hash}`).rejects.toMatchObject({
        code: '23514',
      });
    }
    await expect(insertForged(rig, { ...row, prevHash: row.hash }, valid)).resolves.toBeUndefined();
  });

  it('catches a row edited by a superuser behind the triggers', async () => {
    await writeEvents(rig, 6);
    await rig.tamper(`UPDATE audit_events SET status = 403 WHERE id = 4`);
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 3, firstBrokenId: '4' });
  });

  it('catches an edited row whose hash was recomputed: the next link no longer matches', async () => {
    await writeEvents(rig, 6);
    const forged = { ...(await storedRow(rig, 3)), ip: '203.0.113.9' };
    await rig.tamper(`UPDATE audit_events SET ip = $1, hash = $2 WHERE id = 3`, [
      forged.ip,
      chainHash(forged.prevHash, forged),
    ]);
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 3, firstBrokenId: '4' });
  });

  it('catches a deleted row, in the middle and at the tail', async () => {
    await writeEvents(rig, 6);
    await rig.tamper(`DELETE FROM audit_events WHERE id = 3`);
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 2, firstBrokenId: '4' });
    await rig.reset();

    await writeEvents(rig, 6);
    await rig.tamper(`DELETE FROM audit_events WHERE id = 6`);
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 5, firstBrokenId: '6' });
  });

  it('catches an inserted row, even one whose hash links correctly to the row before it', async () => {
    await writeEvents(rig, 3);
    // A gap in the ids (a rolled-back batch leaves one): room for a forged row between 3 and 11.
    await rig.database.pool.query(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 10)`);
    await writeEvents(rig, 3, 3);
    const before = await storedRow(rig, 3);
    const forged = { ...before, id: '7', type: 'auth.sessions_revoked', prevHash: before.hash };
    await insertForged(rig, forged, chainHash(forged.prevHash, forged));
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 4, firstBrokenId: '11' });
    await rig.reset();

    // Appended after the tail with a valid link: the chain head does not name it.
    await writeEvents(rig, 3);
    const tail = await storedRow(rig, 3);
    const appended = { ...tail, id: '4', prevHash: tail.hash };
    await insertForged(rig, appended, chainHash(appended.prevHash, appended));
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 3, firstBrokenId: '4' });
  });

  it('keeps verifying after retention purged the oldest rows behind a checkpoint', async () => {
    await writeEvents(rig, 5);
    const cutoff = new Date(Date.now() + 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    rig.writer.record(sampleEvent(99, { at: new Date(cutoff.getTime() + 1000) }));
    await rig.writer.flush();

    expect(await rig.retention.purgeOlderThan(cutoff)).toBe(5);
    const rows = await rig.rows();
    expect(rows.map((row) => row.type)).toEqual(['http.request', 'audit.purged']);
    // The purge is idempotent: nothing older is left.
    expect(await rig.retention.purgeOlderThan(cutoff)).toBe(0);
    expect(await rig.verifier.verify()).toEqual({ ok: true, checked: 2 });

    await writeEvents(rig, 2, 100);
    expect(await rig.verifier.verify()).toEqual({ ok: true, checked: 4 });
    // Rows a checkpoint does not cover still cannot be deleted by the service's connection.
    await expect(rig.asService(`DELETE FROM audit_events WHERE id = 7`)).rejects.toMatchObject({
      code: '42501',
    });
    // Deleting the first remaining row breaks the link to the checkpoint.
    await rig.tamper(`DELETE FROM audit_events WHERE id = 6`);
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 0, firstBrokenId: '7' });
  });

  it('catches a purge forged by a superuser: a checkpoint no audit.purged event attests', async () => {
    await writeEvents(rig, 5);
    const third = await storedRow(rig, 3);
    await rig.tamper(`INSERT INTO audit_checkpoints (through_id, through_hash, purged_rows) VALUES (3, $1, 3)`, [
      third.hash,
    ]);
    await rig.tamper(`DELETE FROM audit_events WHERE id <= 3`);
    expect(await rig.verifier.verify()).toEqual({ ok: false, checked: 2, firstBrokenId: '3' });
  });

  it.runIf(backend.concurrent)('lets several writers append at once without forking the chain', async () => {
    const peers = [peerWriter(rig), peerWriter(rig)];
    const writers = [rig.writer, ...peers.map((peer) => peer.writer)];
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let round = 0; round < 5; round++) {
          for (let i = 0; i < 4; i++) writer.record(sampleEvent(w * 100 + round * 10 + i));
          await writer.flush();
        }
      }),
    );
    // Under load a writer may defer a batch (lock wait beyond the statement timeout → 503-class error) and retry
    // on its next flush, as its timer would: flush again until every event is stored.
    for (let attempt = 0; attempt < 20 && (await rig.rows()).length < 60; attempt++) {
      await Promise.all(writers.map((writer) => writer.flush()));
    }
    const rows = await rig.rows();
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((row) => row.prev_hash)).size).toBe(60);
    expect(await rig.verifier.verify()).toEqual({ ok: true, checked: 60 });
    await Promise.all(peers.map((peer) => peer.database.onApplicationShutdown()));
  });
});

async function storedRow(rig: AuditRig, id: number): Promise<ChainedAuditRecord> {
  const rows = (await rig.database.pool.query(`SELECT * FROM audit_events WHERE id = $1`, [id])).rows;
  return fromRow(rows[0] as Parameters<typeof fromRow>[0]);
}

async function insertForged(rig: AuditRig, row: ChainedAuditRecord, hash: string): Promise<void> {
  await rig.tamper(
    `INSERT INTO audit_events (id, at, type, actor_tenant, actor_object, actor_app, outcome, method, route, status, ip,
       user_agent, trace_id, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      row.id,
      row.at.toISOString(),
      row.type,
      row.actorTenant,
      row.actorObject,
      row.actorApp,
      row.outcome,
      row.method,
      row.route,
      row.status,
      row.ip,
      row.userAgent,
      row.traceId,
      JSON.stringify(row.details),
      row.prevHash,
      hash,
    ],
  );
}

/** A second instance's writer on the same database: its own pool, the same chain. */
function peerWriter(rig: AuditRig) {
  const url = (rig.database.pool.options as { connectionString: string }).connectionString;
  const database = new DatabaseService({ connectionString: url, max: 2 });
  return { database, writer: new AuditWriter({ batchSize: 3 }, new AuditRepository(database), new AuditMetrics()) };
}
