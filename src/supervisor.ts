// After the child runs: forward signals, reap zombies, and end when the main child is gone.
// Nothing here may throw: PID 1 dying takes the whole container with it.
import type { ExitStatus, Native } from '../native/api.js';
import type { Config } from './options.js';
import type { Log } from './log.js';
import { exitCodeOf } from './exit-code.js';
import { reapZombies, type Reaped } from './reaper.js';
import { SIG, type RealtimeRange, signalName } from './signal-table.js';

export interface SupervisorDeps {
  native: Native;
  config: Config;
  log: Log;
  rt: RealtimeRange;
  /** Called once, with procinit's exit code, when the main child has ended. */
  onChildGone: (code: number, status: ExitStatus) => void;
}

function describe(status: ExitStatus, rt: RealtimeRange): Record<string, unknown> {
  return 'exited' in status ? { exitCode: status.exited } : { signal: signalName(status.signaled, rt) };
}

export class Supervisor {
  private childStatus: ExitStatus | null = null;

  constructor(private readonly deps: SupervisorDeps, readonly childPid: number) {}

  get isChildRunning(): boolean {
    return this.childStatus === null;
  }

  /** Entry point for every caught signal. */
  handleSignal(signal: number): void {
    try {
      if (signal === SIG.CHLD) this.reap();
      else this.forwardSignal(signal);
    } catch (error) {
      this.deps.log.error('internal error while handling a signal; carrying on', {
        signal: signalName(signal, this.deps.rt), err: String(error),
      });
    }
  }

  forwardSignal(signal: number): void {
    const { native, config, log, rt } = this.deps;
    const name = signalName(signal, rt);
    if (!this.isChildRunning) {
      log.debug('signal after the child ended; not forwarded', { event: 'signal', received: name });
      return;
    }
    const target = config.killProcessGroup ? -this.childPid : this.childPid;
    const result = native.kill(target, signal);
    log.debug('forwarded a signal', { event: 'signal', received: name, forwardedAs: name, target, result });
    if (result === 'gone') log.warn('the child is already gone; signal not delivered', { signal: name, target });
    else if (result !== 'sent') log.warn(`could not forward the signal: ${result}`, { signal: name, target });
  }

  reap(): void {
    const { native, config, log } = this.deps;
    const wantNames = config.warnOnReap || log.isEnabled('info');
    reapZombies(native, wantNames, (reaped) => this.onReaped(reaped));
  }

  private onReaped(reaped: Reaped): void {
    const { config, log, rt } = this.deps;
    const fields = { event: 'reap', pid: reaped.pid, name: reaped.name, ...describe(reaped.status, rt) };
    if (reaped.pid !== this.childPid) {
      if (config.warnOnReap) log.warn('reaped an orphan', { ...fields, role: 'orphan' });
      else log.debug('reaped an orphan', { ...fields, role: 'orphan' });
      return;
    }
    if (!this.isChildRunning) return;
    this.childStatus = reaped.status;
    log.info('the main child ended', { ...fields, role: 'main' });
    this.deps.onChildGone(exitCodeOf(reaped.status, config.remapExitToZero), reaped.status);
  }
}
