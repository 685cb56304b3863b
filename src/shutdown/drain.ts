// When the main child has ended, the rest of the tree gets SIGTERM (then SIGCONT, so a stopped
// process can act on it), a grace period, then SIGKILL. The drain ends the moment the init has no
// children left: in a namespace everything descends from PID 1, and as a subreaper every orphan
// of the tree is re-parented to procinit before its parent's exit is reported.
import type { Native } from '../../native/api.js';
import type { Log } from '../observability/log.js';
import { type ProcessInfo, descendantsOf, listProcesses, procMatchesSelf } from '../core/proc.js';
import { SIG } from '../core/signal-table.js';

export interface DrainDeps {
  native: Native;
  log: Log;
  graceMs: number;
  /** Called once, when nothing is left or the last kill has had its chance. */
  onDone: () => void;
}

/** After SIGKILL, a process in uninterruptible sleep may still hold on; do not wait for it forever. */
const AFTER_KILL_MS = 2_000;

type Named = { pid: number; name: string };
const named = (p: ProcessInfo): Named => ({ pid: p.pid, name: p.name });

export class Drain {
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private exited: Named[] = [];
  private killed: Named[] = [];
  private leftAtStart = 0;
  private finished = false;

  constructor(private readonly deps: DrainDeps) {}

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
    this.timer = setTimeout(() => this.onGraceOver(), graceMs);
    try {
      const left = this.processesLeft();
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

  noteExited(pid: number, name: string | undefined): void {
    this.exited.push({ pid, name: name ?? '?' });
  }

  private onGraceOver(): void {
    this.timer = setTimeout(() => this.finish(), AFTER_KILL_MS);
    try {
      const left = this.processesLeft();
      this.killed = (left ?? []).map(named);
      if (left === null || left.length > 0 || this.deps.native.getpid() === 1) {
        this.deps.log.warn('the grace period ran out; killing the processes left', {
          event: 'drain', phase: 'kill', killed: this.killed, graceMs: this.deps.graceMs,
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
