// libuv queues each caught signal as a 16-byte message in a pipe of its event loop, written by the
// signal handler and read by the loop; what does not fit is dropped. A pipe holds 64 KiB, 4,096
// signals; F_SETPIPE_SZ raises that to the system's pipe-max-size (1 MiB unless changed: 65,536
// signals), as much as the kernel itself queues for a user by default. The pipes are found as the
// non-blocking ones whose both ends this process holds, which is what libuv makes them.
import { constants, readFileSync } from 'node:fs';
import { pipesHeldWhole } from './descriptors.js';
import type { Libc } from './libc.js';

const F_GETFL = 3;
const F_SETPIPE_SZ = 1031;
const DEFAULT_PIPE = 65_536;

function pipeMaxSize(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8').trim()) || 1_048_576;
  } catch {
    return 1_048_576;
  }
}

/** Returns the bytes each signal pipe now holds (64 KiB when none could grow). */
export function enlargeSignalPipes(libc: Libc): number {
  const nonBlocking = (fd: number) => (libc.fcntl(fd, F_GETFL) & constants.O_NONBLOCK) !== 0;
  const most = pipeMaxSize();
  let size = DEFAULT_PIPE;
  for (const fds of pipesHeldWhole().values()) {
    if (!fds.every(nonBlocking)) continue;
    // Unprivileged, the kernel refuses more than pipe-max-size, or than the user's pipe budget.
    for (let want = most; want > DEFAULT_PIPE; want /= 2) {
      const got = libc.fcntl(fds[0], F_SETPIPE_SZ, 'int', want);
      if (got > 0) {
        size = Math.max(size, got);
        break;
      }
    }
  }
  return size;
}
