// Evaluated first of all modules (see entry.ts): until a handler is installed, a signal either
// kills procinit (not PID 1) or is dropped by the kernel (PID 1), and a SIGUSR1 would open Node's
// inspector. Signals caught here wait in the inbox until the init knows what to do with them.
import { readFileSync } from 'node:fs';
import { watchNamedSignals } from '../../native/signals.js';
import { SELF_RAISED, SIG, forwardedNamedSignals } from '../core/signal-table.js';

export class SignalInbox {
  private pending: number[] = [];
  private handler: ((signal: number) => void) | null = null;

  readonly deliver = (signal: number): void => {
    if (this.handler) this.handler(signal);
    else this.pending.push(signal);
  };

  /** The first stop signal (SIGTERM or SIGINT) waiting, if any; it stays in the inbox. */
  pendingStop(): number | null {
    return this.pending.find((signal) => signal === SIG.TERM || signal === SIG.INT) ?? null;
  }

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

/**
 * Node installs a one-shot handler for SIGTERM and SIGINT early in its bootstrap; as PID 1 its
 * re-raise of the signal is dropped by the kernel, so a `docker stop` in the first milliseconds
 * would be lost. The handler resets itself when it runs, so a missing bit in SigCgt now says
 * that the signal came. Only PID 1 survives to look; /proc may be absent, then nothing is known.
 */
export function stopSignalsDuringBootstrap(pid: number, readStatus: () => string): number[] {
  if (pid !== 1) return [];
  let caught: bigint;
  try {
    const line = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readStatus());
    if (!line) return [];
    caught = BigInt(`0x${line[1]}`);
  } catch {
    return [];
  }
  const has = (signal: number) => (caught & (1n << BigInt(signal - 1))) !== 0n;
  return [SIG.INT, SIG.TERM].filter((signal) => !has(signal));
}

export const inbox = new SignalInbox();
const early = stopSignalsDuringBootstrap(process.pid, () => readFileSync('/proc/self/status', 'utf8'));
// SELF_RAISED signals wait until main has blocked them in this thread (it needs libc for that).
watchNamedSignals(
  [...forwardedNamedSignals().filter((s) => !SELF_RAISED.includes(s)), SIG.CHLD], inbox.deliver);
for (const signal of early) inbox.deliver(signal);
/**
 * The default action of SIGTTIN and SIGTTOU would stop procinit (as a subreaper; PID 1 never gets
 * them): dropped here until main blocks them in its thread and sends them to the inbox (they are
 * SELF_RAISED), where only a --rewrite makes them reach the child.
 */
watchNamedSignals([SIG.TTIN, SIG.TTOU], () => {});
