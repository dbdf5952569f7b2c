import { describe, expect, it } from 'vitest';
import { toStorable } from './audit.event';
import { canonicalRow, chainHash, GENESIS_HASH } from './audit.hash';
import { jsonbRows } from './audit.repository';

function row(id: string, prevHash: string, userAgent: string) {
  const record = {
    id,
    ...toStorable({
      at: new Date('2026-11-28T08:00:00.000Z'),
      type: 'http.request',
      outcome: 'success',
      actor: { tenantId: 't' },
      method: 'GET',
      route: '/v1/documents/:id',
      status: 200,
      userAgent,
      details: { requestId: `r-${id}` },
    }),
  };
  return { record, canonical: canonicalRow(prevHash, record), hash: chainHash(prevHash, record) };
}

describe('an audit batch as a binary jsonb parameter', () => {
  it('is version 1, then a JSON array of each canonical row with its hash, multi-byte text included', () => {
    const first = row('1', GENESIS_HASH, 'curl/8.5 — ünïcödé ✓ 𝄞');
    const second = row('2', first.hash, 'plain');
    const buffer = jsonbRows([first, second]);
    expect(buffer[0]).toBe(1);
    const parsed = JSON.parse(buffer.subarray(1).toString('utf8')) as Array<Record<string, unknown>>;
    expect(parsed).toEqual([
      { ...JSON.parse(first.canonical), hash: first.hash },
      { ...JSON.parse(second.canonical), hash: second.hash },
    ]);
    expect(parsed[0]).toMatchObject({ userAgent: 'curl/8.5 — ünïcödé ✓ 𝄞', prevHash: GENESIS_HASH, id: '1' });
    expect(parsed[1]).toMatchObject({ prevHash: first.hash });
  });

  it('holds a single row', () => {
    const only = row('9', GENESIS_HASH, 'x');
    expect(JSON.parse(jsonbRows([only]).subarray(1).toString('utf8'))).toEqual([
      { ...JSON.parse(only.canonical), hash: only.hash },
    ]);
  });
});
