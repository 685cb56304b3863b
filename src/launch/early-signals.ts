// Evaluated first of all modules (see entry.ts): until a handler is installed, a signal either
// kills procinit (not PID 1) or is dropped by the kernel (PID 1), and a SIGUSR1 would open Node's
// inspector. Signals caught here wait in the inbox until the init knows what to do with them.
import { watchSignals } from '../../native/signals.js';
import { SIG, forwardedNamedSignals } from '../core/signal-table.js';

export class SignalInbox {
  private pending: number[] = [];
  private handler: ((signal: number) => void) | null = null;

  readonly deliver = (signal: number): void => {
    if (this.handler) this.handler(signal);
    else this.pending.push(signal);
  };

  /** Signals that arrived before a handler was set, oldest first; the inbox forgets them. */
  takePending(): number[] {
    const pending = this.pending;
    this.pending = [];
    return pending;
  }

  handleWith(handler: (signal: number) => void): void {
    this.handler = handler;
  }
}

export const inbox = new SignalInbox();
export const namedSignalWatch = watchSignals([...forwardedNamedSignals(), SIG.CHLD], inbox.deliver);
/**
 * SIGTTIN and SIGTTOU are not forwarded, and their default action would stop procinit (as a
 * subreaper; PID 1 never gets them): caught and dropped, as tini ignores them.
 */
export const terminalStopWatch = watchSignals([SIG.TTIN, SIG.TTOU], () => {});
