// When the main child has ended, the rest of the tree gets SIGTERM (then SIGCONT, so a stopped
// process can act on it), a grace period, then SIGKILL. The drain ends the moment the init has no
// children left: in a namespace everything descends from PID 1, and as a subreaper every orphan
// of the tree is re-parented to procinit before its parent's exit is reported.
import type { ExitStatus, Native } from '../../native/api.js';
import type { Log } from '../observability/log.js';
import { type ProcessInfo, descendantsOf, listProcesses, procMatchesSelf } from '../core/proc.js';
import { SIG } from '../core/signal-table.js';
import { AFTER_KILL_MS } from './stop-plan.js';

export interface DrainDeps {
  native: Native;
  log: Log;
  graceMs: number;
  /** After SIGKILL, how long a process in uninterruptible sleep is waited for (less under a deadline). */
  afterKillMs?: number;
  /** The grace was shortened to fit a stop deadline. */
  cut?: boolean;
  /** A process group procinit has just SIGKILLed (a stop time-out's or deadline's): its members are dying, not left. */
  dyingGroup?: number | null;
  /** Called once, when nothing is left or the last kill has had its chance. */
  onDone: () => void;
}

/** How the drain went, for the exit record and the termination message. */
export interface DrainOutcome {
  /** Processes left when the main child ended (0 when /proc could not be read). */
  left: number;
  exited: number;
  killed: number;
  graceMs: number;
  /** A stop deadline ended the grace early. */
  cut: boolean;
}

type Named = { pid: number; name: string };
const named = (p: ProcessInfo): Named => ({ pid: p.pid, name: p.name });

export class Drain {
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private exited: Named[] = [];
  private killed: Named[] = [];
  private leftAtStart = 0;
  private finished = false;
  private timerEndsAt = Infinity;
  private phase: 'grace' | 'after-kill' = 'grace';
  /** At the latest, the end of the wait after SIGKILL (a stop deadline); Infinity without one. */
  private exitAt = Infinity;
  private cut = false;

  constructor(private readonly deps: DrainDeps) {
    this.cut = deps.cut ?? false;
  }

  /**
   * What is left: every other process of the namespace as its init, else procinit's descendants;
   * null when /proc cannot be read (absent, or no descriptor left to open it with).
   */
  processesLeft(): ProcessInfo[] | null {
    const self = this.deps.native.getpid();
    const alive = (p: ProcessInfo) => p.state !== 'Z' && p.pid !== self;
    try {
      if (self === 1) {
        const all = listProcesses();
        // An empty mount point where /proc should be lists nothing, not even PID 1.
        return all.some((p) => p.pid === 1) ? all.filter(alive) : null;
      }
      // With a /proc from another namespace, its pids are not ours: signal nobody by pid.
      if (!procMatchesSelf(self)) return [];
      return descendantsOf(self, listProcesses()).filter(alive);
    } catch {
      return null;
    }
  }

  /**
   * kill(-1) is safe only as the init of a namespace: there it reaches every process of the
   * container, and needs no list. Anywhere else it would reach every process this user may signal
   * on the host, so a subreaper signals the pids it listed, and nobody when it could list none.
   */
  private signalLeft(signal: number, left: ProcessInfo[] | null): void {
    const { native } = this.deps;
    if (native.getpid() === 1) {
      native.kill(-1, signal);
      return;
    }
    // A pid read from /proc can only be recycled once its parent reaps it; that race is the
    // price of signalling by pid, and it needs a full pid-space wrap within microseconds.
    for (const p of left ?? []) native.kill(p.pid, signal);
  }

  /** The grace timer is armed first: whatever fails after, the drain ends on time. */
  start(): void {
    const { log, graceMs } = this.deps;
    this.startedAt = performance.now();
    this.arm(() => this.onGraceOver(), graceMs);
    try {
      const listed = this.processesLeft();
      const dying = this.deps.dyingGroup ?? null;
      // CI saw a `sleep` of the SIGKILLed group still listed, and told as "left" after the main.
      const left = listed && dying !== null ? listed.filter((p) => p.pgid !== dying) : listed;
      this.leftAtStart = left?.length ?? 0;
      if (left === null) {
        log.warn('cannot read /proc to list the processes left; '
          + (this.deps.native.getpid() === 1 ? 'signalling them all as PID 1' : 'waiting out the grace period'), {
          event: 'drain', phase: 'start', left: null, graceMs,
        });
      } else if (left.length > 0) {
        log.info('draining the processes left after the main child', {
          event: 'drain', phase: 'start', left: left.length, processes: left.map(named), graceMs,
        });
      }
      // As PID 1 signal in any case: kill(-1) needs no list, and a list can miss what it cannot read.
      if (left === null || left.length > 0 || this.deps.native.getpid() === 1) {
        this.signalLeft(SIG.TERM, left);
        this.signalLeft(SIG.CONT, left);
      }
    } catch (error) {
      log.error('internal error while draining; the grace period still ends it', { err: String(error) });
    }
  }

  /**
   * A process reaped during the drain. One of the dying group that died of its SIGKILL, before the
   * drain sent any SIGKILL of its own, was not left after the main (CI saw it told as such).
   */
  noteExited(pid: number, name: string | undefined, status: ExitStatus): void {
    const ofDyingGroup = (this.deps.dyingGroup ?? null) !== null && 'signaled' in status && status.signaled === SIG.KILL
      && this.killed.length === 0;
    if (!ofDyingGroup) this.exited.push({ pid, name: name ?? '?' });
  }

  private arm(then: () => void, ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerEndsAt = performance.now() + ms;
    this.timer = setTimeout(then, Math.max(0, ms));
  }

  /**
   * A stop that began during the drain (the main child had ended by itself) fits it in its
   * deadline: the SIGKILL no later than `killAt`, the end no later than `exitAt` (performance.now).
   */
  fitWithin(killAt: number, exitAt: number): void {
    this.exitAt = Math.min(this.exitAt, exitAt);
    if (this.finished || this.timer === null) return;
    const now = performance.now();
    if (this.phase === 'grace' && killAt < this.timerEndsAt) {
      this.cut = true;
      this.arm(() => this.onGraceOver(), killAt - now);
    } else if (this.phase === 'after-kill' && exitAt < this.timerEndsAt) {
      this.arm(() => this.finish(), exitAt - now);
    }
  }

  outcome(): DrainOutcome {
    return { left: this.leftAtStart, exited: this.exited.length, killed: this.killed.length, graceMs: this.deps.graceMs, cut: this.cut };
  }

  private onGraceOver(): void {
    this.phase = 'after-kill';
    const afterKill = Math.min(this.deps.afterKillMs ?? AFTER_KILL_MS, this.exitAt - performance.now());
    this.arm(() => this.finish(), afterKill);
    try {
      const left = this.processesLeft();
      this.killed = (left ?? []).map(named);
      if (left === null || left.length > 0 || this.deps.native.getpid() === 1) {
        this.deps.log.warn(`${this.cut ? 'the stop deadline is near' : 'the grace period ran out'}; killing the processes left`, {
          event: 'drain', phase: 'kill', killed: this.killed, graceMs: this.deps.graceMs, ...(this.cut ? { cut: true } : {}),
        });
        this.signalLeft(SIG.KILL, left);
      }
    } catch (error) {
      this.deps.log.error('internal error while killing the processes left', { err: String(error) });
    }
  }

  /** Nothing is left to wait for. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    const ms = Math.round(performance.now() - this.startedAt);
    const quiet = this.leftAtStart === 0 && this.exited.length === 0;
    this.deps.log[quiet ? 'debug' : 'info']('drain finished', {
      event: 'drain', phase: 'end', left: this.leftAtStart, exited: this.exited, killed: this.killed, ms,
    });
    this.deps.onDone();
  }
}
