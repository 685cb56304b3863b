// procinit's own footprint as the OOM killer counts it. A process's score is its resident memory,
// and a Node process's largest part is the node binary's code, mapped from the file and resident
// once run (about 30 MiB): more than a small worker holds. Pages of the binary and its libraries
// that no one wrote to are dropped from procinit's page tables once it has started; the kernel
// maps them back from the page cache when they run again, and the idle init runs little of them.
import { readFileSync } from 'node:fs';
import type { Libc } from './libc.js';

const MADV_DONTNEED = 4;

/**
 * Only file mappings that cannot be written and hold no private copy (smaps' Anonymous: 0): a
 * page relocated at load time (RELRO) is such a copy, and dropping it would bring back the
 * file's unrelocated bytes. Returns the bytes of the mappings dropped; 0 without /proc.
 */
export function dropCleanFilePages(libc: Libc): number {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return 0;
  }
  let dropped = 0;
  for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s+(\S*)/.exec(block);
    if (!head) continue;
    const [, from, to, perms, inode, path] = head;
    const anonymous = /^Anonymous:\s+(\d+) kB/m.exec(block)?.[1];
    if (inode === '0' || perms![1] === 'w' || !path!.startsWith('/') || anonymous !== '0') continue;
    const start = BigInt(`0x${from}`);
    const length = BigInt(`0x${to}`) - start;
    if (libc.madvise(start, length, MADV_DONTNEED) === 0) dropped += Number(length);
  }
  return dropped;
}
