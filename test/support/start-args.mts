import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The arguments `npm start` gives node (its V8 flags, the telemetry preload, the entry point), paths made absolute:
 * tests and benchmarks start the service exactly as it runs (the Dockerfile's CMD is held to the same script).
 */
export function startArgs(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return scripts.start
    .split(' ')
    .slice(1)
    .map((arg) => (arg.startsWith('-') ? arg : join(root, arg)));
}
