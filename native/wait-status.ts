// The W* macros of <sys/wait.h>, on a status word from waitpid(2) or /proc/<pid>/stat field 52.
// Pure: no FFI, so the probe can use it too.
import type { ExitStatus } from './api.js';

export function decodeWaitStatus(status: number): ExitStatus {
  const low = status & 0x7f;
  if (low === 0) return { exited: (status >> 8) & 0xff };
  return { signaled: low };
}
