// Which descriptors procinit inherited, found from inside Node when no launcher listed them
// (procinit run as `node dist/procinit.js`). Node has marked every inherited one close-on-exec by
// now, so the flags cannot tell; what can is that Node's own, all made during its start-up, are
// anonymous inodes (epoll, eventfd, io_uring) and pipes whose both ends it holds (libuv's signal
// and wake-up pipes). An inherited descriptor of those kinds is lost, an exotic case.
import { constants, fstatSync, readdirSync } from 'node:fs';

type Described = Map<number, { kind: number; ino: number }>;
/** systemd's socket activation starts at 3; a gap this long after the last open one ends a scan. */
const SCAN_LIMIT = 1024;

export function openDescriptors(): number[] {
  try {
    return readdirSync('/proc/self/fd').map(Number).filter((fd) => Number.isInteger(fd));
  } catch {
    // No /proc: probe each number (fstat needs no /proc).
    const out: number[] = [];
    for (let fd = 0; fd < SCAN_LIMIT; fd++) {
      try {
        fstatSync(fd);
        out.push(fd);
      } catch {
        // not open
      }
    }
    return out;
  }
}

/** Every open descriptor's file type and inode. */
function describeOpen(): Described {
  const open: Described = new Map();
  for (const fd of openDescriptors()) {
    try {
      const stat = fstatSync(fd);
      open.set(fd, { kind: stat.mode & constants.S_IFMT, ino: stat.ino });
    } catch {
      // the readdir's own descriptor, closed since
    }
  }
  return open;
}

/** The pipes this process holds both ends of, each inode's descriptors: Node's own (libuv's). */
export function pipesHeldWhole(open: Described = describeOpen()): Map<number, number[]> {
  const byInode = new Map<number, number[]>();
  for (const [fd, { kind, ino }] of open) {
    if (kind === constants.S_IFIFO) byInode.set(ino, [...byInode.get(ino) ?? [], fd]);
  }
  for (const [ino, fds] of byInode) if (fds.length < 2) byInode.delete(ino);
  return byInode;
}

export function inheritedDescriptors(): number[] {
  const open = describeOpen();
  const nodes = new Set([...pipesHeldWhole(open).values()].flat());
  const out: number[] = [];
  for (const [fd, { kind }] of open) {
    if (fd <= 2) out.push(fd);
    else if (kind === 0) continue; // anonymous inode
    else if (nodes.has(fd)) continue; // a pipe Node holds both ends of
    else out.push(fd);
  }
  // Standard input, output and error always go to the child, open or not.
  for (const fd of [0, 1, 2]) if (!out.includes(fd)) out.push(fd);
  return out.sort((a, b) => a - b);
}
