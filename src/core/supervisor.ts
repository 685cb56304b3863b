// After the child runs: forward signals, reap zombies, drain what is left when the main child
// ends, then exit with its code. Nothing here may throw: PID 1 dying takes the container with it.
import type { ExitStatus, Native } from '../../native/api.js';
import type { Config } from '../launch/options.js';
import type { Log } from '../observability/log.js';
import { Drain } from '../shutdown/drain.js';
import type { Observer } from '../observability/observer.js';
import { exitCodeOf } from './exit-code.js';
import { reapZombies, type Reaped } from './reaper.js';
import { DROPPED_UNLESS_REWRITTEN, SIG, type RealtimeRange, signalName } from './signal-table.js';

export interface SupervisorDeps {
  native: Native;
  config: Config;
  log: Log;
  rt: RealtimeRange;
  observer: Observer;
  /** Called once, with procinit's exit code, when the main child and the drain are done. */
  exit: (code: number, status: ExitStatus) => void;
  /** A config's services (src/services/), when there is one. */
  sidecars?: Sidecars;
}

/** The seam through which a config's services (src/services/orchestrator.ts) share reaping and signals. */
export interface Sidecars {
  /** Whether the reaped pid was a service's (or its readiness check's): then it is no orphan. */
  claim(reaped: Reaped): boolean;
  /** Every signal but SIGCHLD, after the main child got it; a stop signal stops the services in order. */
  signal(received: number): void;
  /** The main child ended: the services stop in reverse order, then `finish` drains and exits. */
  mainEnded(code: number, status: ExitStatus, finish: (code: number, status: ExitStatus) => void): void;
}

/** The signals after which --stop-timeout starts counting. */
const STOP_TIMEOUT_SIGNALS = new Set<number>([SIG.TERM, SIG.INT, SIG.QUIT]);

function describe(status: ExitStatus, rt: RealtimeRange): Record<string, unknown> {
  return 'exited' in status ? { exitCode: status.exited } : { signal: signalName(status.signaled, rt) };
}

export class Supervisor {
  private childStatus: ExitStatus | null = null;
  private drain: Drain | null = null;
  private stopTimer: NodeJS.Timeout | null = null;
  /** The main child's status, from its reaping until the reap loop that found it is done. */
  private endedWith: ExitStatus | null = null;

  /** null until the services are ready (with a config), or for good (a config without a command). */
  constructor(private readonly deps: SupervisorDeps, private childPid: number | null) {}

  get isChildRunning(): boolean {
    return this.childPid !== null && this.childStatus === null;
  }

  /** The main child, started once the config's services are ready. */
  attachMain(pid: number): void {
    this.childPid = pid;
  }

  /** procinit itself stops the main child (a service gave up): SIGTERM, then SIGKILL. */
  stopMain(timeoutMs: number): void {
    this.forwardSignal(SIG.TERM);
    this.startStopTimeout(signalName(this.deps.config.rewrites.get(SIG.TERM) ?? SIG.TERM, this.deps.rt), timeoutMs);
  }

  /**
   * Entry point for every caught signal. Each one is also a reason to look for ended children:
   * libuv queues caught signals in a pipe and drops what does not fit, so a storm of others can
   * lose the SIGCHLD that told of the main child's end, while what comes after it still arrives.
   */
  handleSignal(signal: number): void {
    try {
      if (signal !== SIG.CHLD) {
        this.forwardSignal(signal);
        this.deps.sidecars?.signal(signal);
      }
      this.reap();
    } catch (error) {
      this.deps.log.error('internal error while handling a signal; carrying on', {
        signal: signalName(signal, this.deps.rt), err: String(error),
      });
    }
  }

  forwardSignal(received: number): void {
    const { native, config, log, rt } = this.deps;
    const name = signalName(received, rt);
    if (!this.isChildRunning) {
      const why = this.childPid === null ? 'no main child (yet): not forwarded to one' : 'signal after the main child ended; not forwarded';
      log.debug(why, { event: 'signal', received: name });
      return;
    }
    const signal = config.rewrites.get(received) ?? (DROPPED_UNLESS_REWRITTEN.has(received) ? 0 : received);
    if (signal === 0) {
      const why = config.rewrites.has(received) ? 'signal dropped by a rewrite' : 'signal not forwarded (as tini does)';
      log.debug(why, { event: 'signal', received: name, forwardedAs: null });
      return;
    }
    const target = config.killProcessGroup ? -this.childPid! : this.childPid!;
    const result = native.kill(target, signal);
    const forwardedAs = signalName(signal, rt);
    log.debug('forwarded a signal', { event: 'signal', received: name, forwardedAs, target, result });
    if (result === 'gone') log.warn('the child is already gone; signal not delivered', { signal: forwardedAs, target });
    else if (result !== 'sent') log.warn(`could not forward the signal: ${result}`, { signal: forwardedAs, target });
    if (result === 'sent') this.deps.observer.forwarded(forwardedAs);
    if (STOP_TIMEOUT_SIGNALS.has(received)) this.startStopTimeout(forwardedAs);
  }

  private startStopTimeout(signalSent: string, stopTimeoutMs = this.deps.config.stopTimeoutMs): void {
    const { native, log } = this.deps;
    if (stopTimeoutMs === null || this.stopTimer) return;
    this.stopTimer = setTimeout(() => {
      if (!this.isChildRunning) return;
      const pid = this.childPid!;
      log.warn('the child did not stop in time; killing its process group', {
        event: 'stop-timeout', signal: signalSent, stopTimeoutMs, pid,
      });
      native.kill(-pid, SIG.KILL);
      // The child may have left its group; it must die all the same.
      native.kill(pid, SIG.KILL);
    }, stopTimeoutMs);
  }

  reap(): void {
    const { native, config, log } = this.deps;
    const wantNames = config.warnOnReap || this.drain !== null || log.isEnabled('info');
    let reapedAny = false;
    const outcome = reapZombies(native, wantNames, (reaped) => {
      reapedAny = true;
      this.onReaped(reaped);
    });
    if (reapedAny) this.deps.observer.processesChanged();
    if (this.endedWith) {
      const status = this.endedWith;
      this.endedWith = null;
      this.afterChildEnded(status, outcome);
    } else if (outcome === 'no-children' && this.drain) {
      this.drain.finish();
    }
  }

  private onReaped(reaped: Reaped): void {
    const { config, log, rt } = this.deps;
    // Records are built only when written: a burst of thousands of orphans is the hot path.
    const fields = (role: 'main' | 'orphan') => ({
      event: 'reap', pid: reaped.pid, command: reaped.name, ...describe(reaped.status, rt), role,
    });
    if (reaped.pid !== this.childPid) {
      if (this.deps.sidecars?.claim(reaped)) return;
      this.deps.observer.reaped('orphan');
      this.drain?.noteExited(reaped.pid, reaped.name);
      if (config.warnOnReap) log.warn('reaped an orphan', fields('orphan'));
      else if (log.isEnabled('debug')) log.debug('reaped an orphan', fields('orphan'));
      return;
    }
    if (!this.isChildRunning) return;
    this.childStatus = reaped.status;
    this.endedWith = reaped.status;
    this.deps.observer.reaped('main');
    this.deps.observer.childGone();
    if (this.stopTimer) clearTimeout(this.stopTimer);
    if (log.isEnabled('info')) log.info('the main child ended', fields('main'));
  }

  /** Acted on once the reap loop is done, when it is known whether any child is left. */
  private afterChildEnded(status: ExitStatus, outcome: 'none-ready' | 'no-children'): void {
    const code = exitCodeOf(status, this.deps.config.remapExitToZero);
    if (this.deps.sidecars) this.deps.sidecars.mainEnded(code, status, (c, s) => this.endWith(c, s));
    else this.endWith(code, status, outcome);
  }

  /** Drains what is left, then exits with `code`. */
  endWith(code: number, status: ExitStatus, outcome: 'none-ready' | 'no-children' | null = null): void {
    const { config, native, log } = this.deps;
    // With no child left there is nothing to drain: every process of the tree (or, as PID 1, of
    // the namespace) would be a child by now. No reason to read all of /proc to learn that.
    if (config.graceMs === 0 || (outcome ?? (native.peekExited() === -1 ? 'no-children' : null)) === 'no-children') {
      this.deps.exit(code, status);
      return;
    }
    this.drain = new Drain({ native, log, graceMs: config.graceMs, onDone: () => this.deps.exit(code, status) });
    this.drain.start();
  }
}
