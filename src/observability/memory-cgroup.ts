// The memory controller of procinit's own cgroup, v1 or v2: how many processes the kernel's OOM
// killer has killed in it, how much it uses, its limit (`docker run --memory`, a pod's
// resources.limits.memory) and its peak. Every read is a small synchronous file read: no async fs
// in PID 1 (libuv's thread pool counts against the pids limit, and aborts when it cannot start).
import { readFileSync } from 'node:fs';
import { candidateDirectories } from './cgroup.js';

export interface MemoryCgroup {
  version: 1 | 2;
  directory: string;
  /** The OOM killer's kills in the cgroup so far; null once unreadable. */
  oomKills(): number | null;
  /** Bytes in use now (v1 counts page cache too, as v2 does). */
  usage(): number | null;
  /** The limit in bytes; null when there is none. */
  limit(): number | null;
  /** The highest use recorded; null where the kernel keeps none (v2 before Linux 5.19). */
  peak(): number | null;
}

/**
 * v1 writes "no limit" as the largest page-aligned counter (9223372036854771712 with 4 KiB pages);
 * anything this big is no limit.
 */
const NO_LIMIT_FROM = 2 ** 62;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

const asLimit = (n: number | null): number | null => (n === null || n >= NO_LIMIT_FROM ? null : n);

/** A file holding one number of bytes, or v2's `max`; null when unreadable or no limit. */
export function parseBytes(text: string | null): number | null {
  const trimmed = text?.trim() ?? '';
  return /^\d+$/.test(trimmed) ? asLimit(Number(trimmed)) : null;
}

/** One key of a flat-keyed file (`oom_kill 3` in v2's memory.events, v1's memory.oom_control). */
export function parseKey(text: string | null, key: string): number | null {
  if (text === null) return null;
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name === key && value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return null;
}

const smallest = (values: Array<number | null>): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : null;
};

function version2(directory: string): MemoryCgroup {
  const at = (name: string) => read(`${directory}/${name}`);
  return {
    version: 2,
    directory,
    // memory.events counts the cgroup's descendants too (memory.events.local would not).
    oomKills: () => parseKey(at('memory.events'), 'oom_kill'),
    usage: () => parseBytes(at('memory.current')),
    limit: () => parseBytes(at('memory.max')),
    peak: () => parseBytes(at('memory.peak')),
  };
}

function version1(directory: string): MemoryCgroup {
  const at = (name: string) => read(`${directory}/${name}`);
  return {
    version: 1,
    directory,
    oomKills: () => parseKey(at('memory.oom_control'), 'oom_kill'),
    usage: () => parseBytes(at('memory.usage_in_bytes')),
    // An ancestor's limit applies too (a pod's, above its container's): memory.stat has the least.
    limit: () => smallest([parseBytes(at('memory.limit_in_bytes')),
      asLimit(parseKey(at('memory.stat'), 'hierarchical_memory_limit'))]),
    peak: () => parseBytes(at('memory.max_usage_in_bytes')),
  };
}

/**
 * procinit's memory cgroup, or null where there is none to read (no cgroup file system mounted, a
 * kernel without the controller, or one older than 4.13, which does not count OOM kills in v1).
 */
export function findMemoryCgroup(procSelfCgroup: string | null = read('/proc/self/cgroup'), root = '/sys/fs/cgroup'):
  MemoryCgroup | null {
  if (procSelfCgroup === null) return null;
  for (const directory of candidateDirectories(procSelfCgroup, 'memory', root)) {
    // The root of a v2 hierarchy has no memory.events: the walk goes on to v1's files.
    if (parseKey(read(`${directory}/memory.events`), 'oom_kill') !== null) return version2(directory);
    if (parseKey(read(`${directory}/memory.oom_control`), 'oom_kill') !== null) return version1(directory);
  }
  return null;
}
