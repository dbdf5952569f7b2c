// A memory cgroup for a service under benchmark, standing in for an ECS task's memory: Node sizes its V8 heap from
// the limit of the cgroup it starts in (as it does in a container), so RSS under load can be read as in the task.
// Needs root and a memory controller (cgroup v1 at /sys/fs/cgroup/memory, or v2 with memory enabled).
import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** Writing a pid here moves that process into the cgroup (the benchmark's launcher writes its own, then execs). */
  procsFile: string;
  remove(): Promise<void>;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function memoryCgroup(limitMb: number): Promise<MemoryCgroup> {
  const v1 = '/sys/fs/cgroup/memory';
  const v2 = '/sys/fs/cgroup';
  const useV1 = await exists(join(v1, 'memory.limit_in_bytes'));
  const v2Memory = (await readFile(join(v2, 'cgroup.subtree_control'), 'utf8').catch(() => '')).split(/\s+/);
  if (!useV1 && !v2Memory.includes('memory')) {
    throw new Error('no memory cgroup to create (cgroup v1 memory controller, or v2 with memory in subtree_control)');
  }
  const dir = join(useV1 ? v1 : v2, `navius-bench-${randomUUID()}`);
  await mkdir(dir);
  await writeFile(join(dir, useV1 ? 'memory.limit_in_bytes' : 'memory.max'), String(limitMb * 1024 * 1024));
  return { procsFile: join(dir, 'cgroup.procs'), remove: () => rmdir(dir) };
}
