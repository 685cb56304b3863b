// After the child runs: forward signals, reap zombies, drain what is left when the main child
// ends, then exit with its code. Nothing here may throw: PID 1 dying takes the container with it.
import type { ExitStatus, Native } from '../../native/api.js';
import type { Config } from '../launch/options.js';
import type { Log } from '../observability/log.js';
import { Drain } from '../shutdown/drain.js';
import { StopPlan } from '../shutdown/stop-plan.js';
import { Stopping } from '../shutdown/stopping.js';
import type { Observer } from '../observability/observer.js';
import { type OomFinding, OomKills, describeOomKill, oomFields } from '../observability/oom-kills.js';
import type { Ending } from './ending.js';
import { exitCodeOf, statusFields } from './exit-code.js';
import { reapZombies, type Reaped } from './reaper.js';
import { DROPPED_UNLESS_REWRITTEN, SIG, type RealtimeRange, signalName } from './signal-table.js';

export interface SupervisorDeps {
  native: Native;
  config: Config;
  log: Log;
  rt: RealtimeRange;
  observer: Observer;
  /** The memory cgroup's OOM-kill counter, looked at since before the first spawn. */
  oomKills?: OomKills;
  /** Called once, when the main child and the drain are done (or the stop deadline says so). */
  exit: (ending: Ending) => void;
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
  /** The stop deadline's last SIGKILL: every service process still there gets it now. */
  killAll(): void;
}

/** The signals that start a stop: --stop-delay, --stop-timeout and --stop-deadline count from them. */
const STOP_TIMEOUT_SIGNALS = new Set<number>([SIG.TERM, SIG.INT, SIG.QUIT]);

export class Supervisor {
  private childStatus: ExitStatus | null = null;
  private childOom: OomFinding | null = null;
  private drain: Drain | null = null;
  private readonly stopping: Stopping;
  private readonly oomKills: OomKills;
  private exited = false;
  /** The main child's status, from its reaping until the reap loop that found it is done. */
  private endedWith: ExitStatus | null = null;

  /** null until the services are ready (with a config), or for good (a config without a command). */
  constructor(private readonly deps: SupervisorDeps, private childPid: number | null) {
    const { config, native, log } = deps;
    this.oomKills = deps.oomKills ?? new OomKills(null);
    const now = () => performance.now();
    const plan = new StopPlan({
      delayMs: config.stopDelayMs, stopTimeoutMs: config.stopTimeoutMs, graceMs: config.graceMs, deadlineMs: config.stopDeadlineMs,
    }, now);
    this.stopping = new Stopping({
      plan, native, log, now,
      runningChild: () => (this.isChildRunning ? this.childPid : null),
      mainHasEnded: () => this.childStatus !== null,
      beforeKill: () => this.oomKills.lookNow(),
      onBegin: () => {
        if (this.drain && plan.killBy !== null) this.drain.fitWithin(plan.killBy, plan.exitBy!);
      },
      atKillBy: () => this.deps.sidecars?.killAll(),
      onExitBy: () => this.exitAtDeadline(),
    });
  }

  get isChildRunning(): boolean {
    return this.childPid !== null && this.childStatus === null;
  }

  /** The main child, started once the config's services are ready. */
  attachMain(pid: number): void {
    this.childPid = pid;
  }

  /** procinit itself stops the main child (a service gave up): SIGTERM, then SIGKILL; no stop delay. */
  stopMain(timeoutMs: number): void {
    const sent = this.forwardSignal(SIG.TERM);
    this.stopping.forwarded(sent ?? signalName(SIG.TERM, this.deps.rt), timeoutMs);
  }

  /**
   * Entry point for every caught signal. Each one is also a reason to look for ended children:
   * libuv queues caught signals in a pipe and drops what does not fit, so a storm of others can
   * lose the SIGCHLD that told of the main child's end, while what comes after it still arrives.
   */
  handleSignal(signal: number): void {
    try {
      if (signal !== SIG.CHLD) this.passOn(signal);
      this.reap();
    } catch (error) {
      this.deps.log.error('internal error while handling a signal; carrying on', {
        signal: signalName(signal, this.deps.rt), err: String(error),
      });
    }
  }

  /** To the main child and the services; a stop signal starts the stop plan, and may be held (--stop-delay). */
  private passOn(received: number): void {
    const { config, rt } = this.deps;
    const name = signalName(received, rt);
    const isStop = STOP_TIMEOUT_SIGNALS.has(received);
    const pass = () => {
      const sent = this.forwardSignal(received);
      if (isStop && sent !== null) this.stopping.forwarded(sent);
      this.deps.sidecars?.signal(received);
    };
    if (!isStop) return pass();
    this.stopping.begin(name);
    // Held only while there is something to keep running: the main child, or services before it.
    const keepsRunning = this.isChildRunning || (this.deps.sidecars !== undefined && this.childStatus === null);
    if (keepsRunning && (config.rewrites.get(received) ?? received) !== 0 && this.stopping.hold(name, pass)) return;
    pass();
  }

  /** Sends the main child what `received` becomes after --rewrite; returns the name sent, or null when nothing was. */
  forwardSignal(received: number): string | null {
    const { native, config, log, rt } = this.deps;
    const name = signalName(received, rt);
    if (!this.isChildRunning) {
      const why = this.childPid === null ? 'no main child (yet): not forwarded to one' : 'signal after the main child ended; not forwarded';
      log.debug(why, { event: 'signal', received: name });
      return null;
    }
    const signal = config.rewrites.get(received) ?? (DROPPED_UNLESS_REWRITTEN.has(received) ? 0 : received);
    if (signal === 0) {
      const why = config.rewrites.has(received) ? 'signal dropped by a rewrite' : 'signal not forwarded (as tini does)';
      log.debug(why, { event: 'signal', received: name, forwardedAs: null });
      return null;
    }
    const target = config.killProcessGroup ? -this.childPid! : this.childPid!;
    const result = native.kill(target, signal);
    const forwardedAs = signalName(signal, rt);
    log.debug('forwarded a signal', { event: 'signal', received: name, forwardedAs, target, result });
    if (result === 'gone') log.warn('the child is already gone; signal not delivered', { signal: forwardedAs, target });
    else if (result !== 'sent') log.warn(`could not forward the signal: ${result}`, { signal: forwardedAs, target });
    if (result === 'sent') this.deps.observer.forwarded(forwardedAs);
    return forwardedAs;
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
    const isMain = reaped.pid === this.childPid;
    // A service's end is the services' to tell (they look at the OOM counter themselves).
    if (!isMain && this.deps.sidecars?.claim(reaped)) return;
    // Only a death by SIGKILL costs a file read: the OOM killer's counter.
    const oom = this.oomKills.check(reaped.status);
    // Records are built only when written: a burst of thousands of orphans is the hot path.
    const fields = (role: 'main' | 'orphan') => ({
      event: 'reap', pid: reaped.pid, command: reaped.name, ...statusFields(reaped.status, rt), role, ...(oom ? oomFields(oom) : {}),
    });
    if (oom) {
      // An orphan's name is read before reaping only when logs want it (the reaping path is hot).
      const who = isMain ? 'the main child' : `an orphan (${reaped.name === undefined ? '' : `${reaped.name}, `}pid ${reaped.pid})`;
      log.warn(`${who} was ${describeOomKill(oom)}`, fields(isMain ? 'main' : 'orphan'));
    }
    if (!isMain) {
      this.deps.observer.reaped('orphan');
      this.drain?.noteExited(reaped.pid, reaped.name, reaped.status);
      if (oom) return;
      if (config.warnOnReap) log.warn('reaped an orphan', fields('orphan'));
      else if (log.isEnabled('debug')) log.debug('reaped an orphan', fields('orphan'));
      return;
    }
    if (!this.isChildRunning) return;
    this.childStatus = reaped.status;
    this.childOom = oom;
    this.endedWith = reaped.status;
    this.deps.observer.reaped('main');
    this.deps.observer.childGone();
    this.stopping.mainEnded();
    if (!oom && log.isEnabled('info')) log.info('the main child ended', fields('main'));
  }

  /** Acted on once the reap loop is done, when it is known whether any child is left. */
  private afterChildEnded(status: ExitStatus, outcome: 'none-ready' | 'no-children'): void {
    const code = exitCodeOf(status, this.deps.config.remapExitToZero);
    if (this.deps.sidecars) this.deps.sidecars.mainEnded(code, status, (c, s) => this.endWith(c, s));
    else this.endWith(code, status, outcome);
  }

  /** Drains what is left, then exits with `code` (taken from `status`). */
  endWith(code: number, status: ExitStatus, outcome: 'none-ready' | 'no-children' | null = null): void {
    const { config, native, log } = this.deps;
    // With no child left there is nothing to drain: every process of the tree (or, as PID 1, of
    // the namespace) would be a child by now. No reason to read all of /proc to learn that.
    if (config.graceMs === 0 || (outcome ?? (native.peekExited() === -1 ? 'no-children' : null)) === 'no-children') {
      this.finish(code, status);
      return;
    }
    const { graceMs, afterKillMs, cut } = this.stopping.plan.drain();
    const dyingGroup = this.stopping.told?.killedBy ? this.childPid : null;
    this.drain = new Drain({ native, log, graceMs, afterKillMs, cut, dyingGroup, onDone: () => this.finish(code, status) });
    this.drain.start();
  }

  /** The deadline's last moment: the drain ends now; without one, procinit exits with what it knows. */
  private exitAtDeadline(): void {
    if (this.exited) return;
    if (this.drain) {
      this.drain.finish();
      return;
    }
    if (this.endedWith) return; // reaped, and acted on at this very turn
    const status = this.childStatus;
    if (status === null) {
      this.deps.log.warn('the stop deadline is here and the main child has not ended even after SIGKILL; exiting without it', {
        event: 'stop-deadline', pid: this.childPid, stopDeadlineMs: this.deps.config.stopDeadlineMs,
      });
    } else {
      this.deps.log.warn('the stop deadline is here and the services have not all stopped; exiting without them', {
        event: 'stop-deadline', stopDeadlineMs: this.deps.config.stopDeadlineMs,
      });
    }
    this.finish(status ? exitCodeOf(status, this.deps.config.remapExitToZero) : 128 + SIG.KILL, status);
  }

  /** What the run came to, for the exit record and the termination message. */
  describeEnding(code: number, status: ExitStatus | null): Ending {
    const natural = status ? exitCodeOf(status) : null;
    const remapped = natural !== null && natural !== code && code === 0 && this.deps.config.remapExitToZero.has(natural);
    return {
      code,
      status,
      ...(remapped ? { remappedFrom: natural } : {}),
      main: this.childPid === null ? null : { command: this.deps.config.command, status: this.childStatus, oom: this.childOom },
      stop: this.stopping.told,
      drain: this.drain?.outcome() ?? null,
    };
  }

  private finish(code: number, status: ExitStatus | null): void {
    if (this.exited) return;
    this.exited = true;
    this.stopping.close();
    this.deps.exit(this.describeEnding(code, status));
  }
}
