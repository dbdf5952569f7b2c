import { describe, expect, it } from 'vitest';
import { toStorable } from './audit.event';
import { canonicalRow, chainHash, GENESIS_HASH } from './audit.hash';
import { copyRows, jsonbRows, prepareEvent } from './audit.repository';

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

describe('an audit batch in COPY text format', () => {
  const event = (userAgent: string | undefined, details: Record<string, string> = { requestId: 'r' }) =>
    toStorable({
      at: new Date('2026-11-28T08:00:00.000Z'),
      type: 'http.request',
      outcome: 'success',
      actor: { tenantId: 't' },
      method: 'GET',
      status: 200,
      userAgent,
      details,
    });
  const chained = (record: ReturnType<typeof event>, id: string, prevHash: string) => ({
    event: prepareEvent(record),
    id,
    prevHash,
    canonical: '',
    hash: 'f'.repeat(64),
  });

  it('writes one line per row: the columns, then id and both hashes; nulls as \\N', () => {
    const lines = copyRows([chained(event('curl'), '7', GENESIS_HASH), chained(event(undefined), '8', 'f'.repeat(64))])
      .toString('utf8')
      .split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]?.split('\t')).toEqual([
      '2026-11-28T08:00:00.000Z',
      'http.request',
      't',
      '\\N',
      '\\N',
      'success',
      'GET',
      '\\N',
      '200',
      '\\N',
      'curl',
      '\\N',
      '{"requestId":"r"}',
      '7',
      GENESIS_HASH,
      'f'.repeat(64),
    ]);
    expect(lines[1]?.split('\t')[10]).toBe('\\N');
  });

  it('escapes backslash, tab, newline and carriage return, in text and in the details JSON; multi-byte as is', () => {
    const [line] = copyRows([chained(event('a\\b\tc\nd\re — ünï 𝄞', { path: 'C:\\x', quote: '"' }), '1', GENESIS_HASH)])
      .toString('utf8')
      .split('\n');
    const columns = line?.split('\t') ?? [];
    expect(columns).toHaveLength(16);
    expect(columns[10]).toBe('a\\\\b\\tc\\nd\\re — ünï 𝄞');
    // The canonical JSON escapes the backslash and the quote; COPY escapes that backslash again.
    expect(columns[12]).toBe(String.raw`{"path":"C:\\\\x","quote":"\\""}`);
  });
});
