// Reading /proc: names and states of processes, for logs and for finding what is left.
import { readFileSync } from 'node:fs';

/** The kernel's short command name (comm), or '?' once the process is gone. */
export function commandNameOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd();
  } catch {
    return '?';
  }
}
