// Which descriptors procinit inherited, found from inside Node when no launcher listed them
// (procinit run as `node dist/procinit.js`). Node has marked every inherited one close-on-exec by
// now, so the flags cannot tell; what can is that Node's own, all made during its start-up, are
// anonymous inodes (epoll, eventfd, io_uring) and pipes whose both ends it holds (libuv's signal
// and wake-up pipes). An inherited descriptor of those kinds is lost, an exotic case.
import { fstatSync, readdirSync } from 'node:fs';

const S_IFMT = 0o170000;
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

export function inheritedDescriptors(): number[] {
  const stats = new Map<number, { kind: number; ino: number }>();
  for (const fd of openDescriptors()) {
    try {
      const stat = fstatSync(fd);
      stats.set(fd, { kind: stat.mode & S_IFMT, ino: stat.ino });
    } catch {
      // the readdir's own descriptor, closed since
    }
  }
  const pipeEnds = new Map<number, number>();
  for (const { kind, ino } of stats.values()) {
    if (kind === 0o010000) pipeEnds.set(ino, (pipeEnds.get(ino) ?? 0) + 1);
  }
  const out: number[] = [];
  for (const [fd, { kind, ino }] of stats) {
    if (fd <= 2) out.push(fd);
    else if (kind === 0) continue; // anonymous inode
    else if (kind === 0o010000 && pipeEnds.get(ino)! > 1) continue; // a pipe Node holds both ends of
    else out.push(fd);
  }
  // Standard input, output and error always go to the child, open or not.
  for (const fd of [0, 1, 2]) if (!out.includes(fd)) out.push(fd);
  return out.sort((a, b) => a - b);
}
