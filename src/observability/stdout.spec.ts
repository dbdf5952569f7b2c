import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BUILT = join(__dirname, '..', '..', 'dist', 'observability', 'stdout.js');

// Writes 20,000 lines through the shared stdout writer, 200 per tick, then says so on stderr and exits.
const WRITER = `
const { stdoutLines } = require(${JSON.stringify(BUILT)});
const out = stdoutLines();
let written = 0;
const timer = setInterval(() => {
  for (let k = 0; k < 200; k++) out.write('line ' + written++ + ' ' + 'x'.repeat(200) + '\\n');
  if (written >= 20000) { clearInterval(timer); process.stderr.write('wrote ' + written + '\\n'); }
}, 2);
`;

describe('the stdout writer', () => {
  it("keeps the process going when stdout's reader goes away (EPIPE)", async () => {
    const child = spawn(process.execPath, ['-e', WRITER], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read the first lines, then close the pipe: every later write meets EPIPE.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toContain('wrote 20000');
    expect(code).toBe(0);
  }, 30_000);
});
