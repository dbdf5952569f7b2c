import { format } from '@cdktn/hcl-tools';
import { parse } from '@cdktn/hcl2json';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA, relativeToRepo } from './support/hcl-model';

function hclFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return hclFiles(path);
    return /\.(tf|tfvars|tfbackend)$|\.tfvars\.example$/.test(entry) ? [path] : [];
  });
}

describe('HCL files under infra/', () => {
  const files = hclFiles(INFRA);

  it('exist in every module, environment and the bootstrap', () => {
    expect(files.filter((file) => file.endsWith('.tf')).length).toBeGreaterThan(60);
  });

  it('all parse', async () => {
    const failures: string[] = [];
    for (const file of files) {
      try {
        await parse(file, readFileSync(file, 'utf8'));
      } catch (error) {
        failures.push(`${relativeToRepo(file)}: ${String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('are byte-identical to terraform fmt', async () => {
    const unformatted: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      if ((await format(source)) !== source) unformatted.push(relativeToRepo(file));
    }
    expect(unformatted).toEqual([]);
  });
});
