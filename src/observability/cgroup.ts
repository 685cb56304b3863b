// The pids controller of procinit's own cgroup, v1 or v2: how many tasks it holds and how many it
// may hold (`docker run --pids-limit`, Kubernetes' pod pids limit).
import { readFileSync } from 'node:fs';

export interface PidsCounter {
  /** The current count, or null once unreadable. */
  current(): number | null;
  /** The limit, or null for "max" (none). */
  max: number | null;
  directory: string;
}

function readNumber(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * Directories that may hold this process's files of `controller` (v2's unified hierarchy, then
 * v1's), most specific first. `root` is where cgroups are mounted: a fixture tree in tests.
 */
export function candidateDirectories(procSelfCgroup: string, controller = 'pids', root = '/sys/fs/cgroup'): string[] {
  const out: string[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (controllers === '') out.push(`${root}${path}`, `${root}/unified${path}`);
    if (controllers!.split(',').includes(controller)) out.push(`${root}/${controller}${path}`);
  }
  // Inside a container without a cgroup namespace the path names the host's hierarchy, but the
  // runtime mounts the container's own cgroup at the root.
  out.push(root, `${root}/${controller}`);
  return [...new Set(out.map((d) => d.replace(/\/+$/, '')))];
}

export function findPidsCounter(): PidsCounter | null {
  let self: string;
  try {
    self = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return null;
  }
  for (const directory of candidateDirectories(self)) {
    const current = readNumber(`${directory}/pids.current`);
    if (current === null) continue;
    return {
      directory,
      max: readNumber(`${directory}/pids.max`),
      current: () => readNumber(`${directory}/pids.current`),
    };
  }
  return null;
}
