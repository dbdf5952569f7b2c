// A memory cgroup for a service under benchmark, standing in for an ECS task's memory: Node sizes its V8 heap from
// the limit of the cgroup it starts in (as it does in a container), so RSS under load can be read as in the task.
// Needs root and a memory controller (cgroup v1 at /sys/fs/cgroup/memory, or v2 with memory enabled).
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** Writing a pid here moves that process into the cgroup (the benchmark's launcher writes its own, then execs). */
  procsFile: string;
  remove(): Promise<void>;
}

const accessible = (path: string, mode = constants.F_OK) =>
  access(path, mode).then(
    () => true,
    () => false,
  );

/** Where memory cgroups can be made here, or why not. */
async function memoryCgroupParent(): Promise<{ dir: string; limitFile: string } | { unsupported: string }> {
  const v1 = '/sys/fs/cgroup/memory';
  const v2 = '/sys/fs/cgroup';
  const parent = (await accessible(join(v1, 'memory.limit_in_bytes')))
    ? { dir: v1, limitFile: 'memory.limit_in_bytes' }
    : (await readFile(join(v2, 'cgroup.subtree_control'), 'utf8').catch(() => '')).split(/\s+/).includes('memory')
      ? { dir: v2, limitFile: 'memory.max' }
      : undefined;
  if (!parent) return { unsupported: 'no memory cgroup controller (v1, or v2 with memory in subtree_control)' };
  return (await accessible(parent.dir, constants.W_OK))
    ? parent
    : { unsupported: `${parent.dir} is not writable (run as root)` };
}

/** Why memory cgroups cannot be made here, or undefined when they can. */
export async function memoryCgroupsUnsupported(): Promise<string | undefined> {
  const parent = await memoryCgroupParent();
  return 'unsupported' in parent ? parent.unsupported : undefined;
}

export async function memoryCgroup(limitMb: number): Promise<MemoryCgroup> {
  const parent = await memoryCgroupParent();
  if ('unsupported' in parent) throw new Error(parent.unsupported);
  const dir = join(parent.dir, `navius-bench-${randomUUID()}`);
  await mkdir(dir);
  await writeFile(join(dir, parent.limitFile), String(limitMb * 1024 * 1024));
  return { procsFile: join(dir, 'cgroup.procs'), remove: () => rmdir(dir) };
}
