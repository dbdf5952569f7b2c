// Run by `npm install` (postinstall): an initialised, empty PGlite cluster, so the first `npm start` restores it
// (under 2 s here) instead of running initdb in WASM (about 5 s). Best effort: without it, start-up runs initdb.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = join(root, 'node_modules', '.cache', 'navius', 'pglite-template.tar.gz');
try {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir: 'memory://' });
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, Buffer.from(await dump.arrayBuffer()));
} catch (error) {
  process.stderr.write(`navius: no PGlite template (${error.message}); the first start will initialise it\n`);
}
