// Reaping: on every SIGCHLD, collect every child that has ended, until none is left. SIGCHLD
// does not queue, so one signal may stand for many exits.
import type { ExitStatus, Native, WaitResult } from '../../native/api.js';
import { commandNameOf } from './proc.js';

export interface Reaped { pid: number; status: ExitStatus; name?: string }

/**
 * Reaps until waitpid finds nothing more, and says why it stopped: 'none-ready' (children are
 * still running) or 'no-children'. With `wantNames` each zombie is named from /proc before it is
 * reaped (it has no /proc entry after), which costs a file read per process.
 */
export function reapZombies(native: Native, wantNames: boolean, onReaped: (reaped: Reaped) => void):
  'none-ready' | 'no-children' {
  for (;;) {
    let name: string | undefined;
    let result: WaitResult;
    if (wantNames) {
      const pid = native.peekExited();
      if (pid <= 0) return pid < 0 ? 'no-children' : 'none-ready';
      name = commandNameOf(pid);
      result = native.waitFor(pid);
    } else {
      result = native.waitAny();
    }
    if (result.kind !== 'reaped') return result.kind;
    onReaped(name === undefined ? { pid: result.pid, status: result.status }
      : { pid: result.pid, status: result.status, name });
  }
}
