// Reaping: on every SIGCHLD, collect every child that has ended, until none is left. SIGCHLD
// does not queue, so one signal may stand for many exits.
import type { ExitStatus, Native } from '../native/api.js';
import { commandNameOf } from './proc.js';

export interface Reaped { pid: number; status: ExitStatus; name?: string }

/**
 * Reaps until waitpid finds nothing more. With `wantNames` each zombie is named from /proc before
 * it is reaped (it has no /proc entry after), which costs a file read per process.
 */
export function reapZombies(native: Native, wantNames: boolean, onReaped: (reaped: Reaped) => void): void {
  for (;;) {
    let name: string | undefined;
    let result;
    if (wantNames) {
      const pid = native.peekExited();
      if (pid <= 0) return;
      name = commandNameOf(pid);
      result = native.waitFor(pid);
    } else {
      result = native.waitAny();
    }
    if (result.kind !== 'reaped') return;
    onReaped(name === undefined ? { pid: result.pid, status: result.status }
      : { pid: result.pid, status: result.status, name });
  }
}
