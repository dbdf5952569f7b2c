import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toStorable, type AuditRecord, type JsonValue } from './audit.event';
import { canonicalRow, chainHash, GENESIS_HASH } from './audit.hash';

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: '7',
    ...toStorable({
      at: new Date('2026-11-27T10:00:00.123Z'),
      type: 'http.request',
      outcome: 'success',
      actor: { tenantId: 't', objectId: 'o' },
      method: 'GET',
      route: '/v1/documents/:id',
      status: 200,
      ip: '127.0.0.1',
      userAgent: 'ua',
      traceId: 'trace',
      details: { requestId: 'r', nested: { b: 1, a: [true, null] } },
    }),
    ...overrides,
  };
}

describe('the audit hash chain link', () => {
  it('is SHA-256 over the previous hash and the RFC 8785 canonical row, independent of key order', () => {
    const base = record();
    const reordered = record({ details: { nested: { a: [true, null], b: 1 }, requestId: 'r' } });
    expect(canonicalRow(GENESIS_HASH, base)).toBe(canonicalRow(GENESIS_HASH, reordered));
    expect(chainHash(GENESIS_HASH, base)).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, base)).toBe(chainHash(GENESIS_HASH, reordered));
    expect(canonicalRow(GENESIS_HASH, base)).toContain('"at":"2026-11-27T10:00:00.123Z"');
  });

  it("is byte-equal to the library's RFC 8785 form of the whole row, for any row", () => {
    const optionalText = fc.option(fc.string({ unit: 'binary' }), { nil: null });
    const json = fc.jsonValue() as fc.Arbitrary<JsonValue>;
    const row = fc.record({
      id: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String),
      at: fc.date({ noInvalidDate: true }),
      type: fc.string({ unit: 'binary' }),
      actorTenant: optionalText,
      actorObject: optionalText,
      actorApp: optionalText,
      outcome: fc.constantFrom('success', 'denied', 'failure', 'error'),
      method: optionalText,
      route: optionalText,
      status: fc.option(fc.integer({ min: -32768, max: 32767 }), { nil: null }),
      ip: optionalText,
      userAgent: optionalText,
      traceId: optionalText,
      details: fc.dictionary(fc.string({ unit: 'binary' }), json, { maxKeys: 6 }),
    }) as fc.Arbitrary<AuditRecord>;
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), row, (prevHash, record) => {
        const { at, ...columns } = record;
        expect(canonicalRow(prevHash, record)).toBe(canonicalize({ prevHash, ...columns, at: at.toISOString() }));
      }),
      { numRuns: 2_000, seed: 8785 },
    );
  });

  it('changes when any column, the id or the previous hash changes', () => {
    const base = record();
    const hash = chainHash(GENESIS_HASH, base);
    const changes: Partial<AuditRecord>[] = [
      { id: '8' },
      { at: new Date('2026-11-27T10:00:00.124Z') },
      { type: 'http.rate_limited' },
      { actorTenant: 'other' },
      { actorObject: null },
      { actorApp: 'app' },
      { outcome: 'denied' },
      { method: 'POST' },
      { route: null },
      { status: 201 },
      { ip: '10.0.0.1' },
      { userAgent: 'ua2' },
      { traceId: 'other' },
      { details: { requestId: 'r', nested: { b: 2, a: [true, null] } } },
    ];
    for (const change of changes)
      expect(chainHash(GENESIS_HASH, { ...base, ...change }), JSON.stringify(change)).not.toBe(hash);
    expect(chainHash('f'.repeat(64), base)).not.toBe(hash);
  });

  it('stores text PostgreSQL can keep as given: no NUL, lone surrogates replaced, bounded length', () => {
    const stored = toStorable({
      at: new Date(Number.NaN),
      type: 'x',
      outcome: 'failure',
      actor: {},
      userAgent: `a\u0000b\ud800c${'z'.repeat(1000)}`,
      details: { n: Number.POSITIVE_INFINITY, s: 'q\u0000', u: undefined },
    });
    expect(stored.userAgent).toMatch(/^ab\ufffdcz+$/);
    expect(stored.userAgent).toHaveLength(512);
    expect(stored.details).toEqual({ n: null, s: 'q' });
    expect(Number.isNaN(stored.at.getTime())).toBe(false);
    // A cut through a surrogate pair leaves half of it: replaced, as a UTF-8 round trip through PostgreSQL would.
    const cut = toStorable({
      at: new Date(),
      type: 'x',
      outcome: 'success',
      actor: {},
      userAgent: `${'y'.repeat(511)}😀`,
    });
    expect(cut.userAgent).toBe(`${'y'.repeat(511)}\ufffd`);
    expect(Buffer.from(cut.userAgent!, 'utf8').toString('utf8')).toBe(cut.userAgent);
  });
});
