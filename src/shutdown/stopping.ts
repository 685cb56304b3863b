// The stop plan (stop-plan.ts) put to work: the timers of --stop-delay, --stop-timeout and
// --stop-deadline. Each is armed only once a stop has begun and each is bounded, so an idle
// procinit never wakes; none waits for anything but time.
import type { Native } from '../../native/api.js';
import type { Log } from '../observability/log.js';
import { spoken } from '../launch/duration.js';
import { SIG } from '../core/signal-table.js';
import type { KillReason, StopPlan } from './stop-plan.js';

export interface StoppingDeps {
  plan: StopPlan;
  native: Native;
  log: Log;
  now: () => number;
  /** The main child's pid while it runs, else null. */
  runningChild: () => number | null;
  /** Whether the main child has ended (not: has not started yet, or there is none). */
  mainHasEnded: () => boolean;
  /** Called just before procinit SIGKILLs the main child (the OOM counter is looked at). */
  beforeKill: () => void;
  /** The stop began: a drain under way is fitted into the deadline. */
  onBegin: () => void;
  /** The deadline's last SIGKILL, beside the main child's: the services'. */
  atKillBy: () => void;
  /** The deadline's last moment has come and procinit is still here: it must exit now. */
  onExitBy: () => void;
}

/** What the stop did, for the exit record and the termination message. */
export interface StopStory {
  /** The first stop signal procinit received. */
  signal: string;
  /** What the main child got for it (a --rewrite may change it); null: nothing (dropped, or the child had ended). */
  forwardedAs: string | null;
  /** It came after the main child had ended, during the drain. */
  afterMainEnded: boolean;
  /** How long it was held (--stop-delay), and whether a second stop signal cut that short. */
  delayMs: number;
  delayCutShort: boolean;
  /** procinit SIGKILLed the main child, and why. */
  killedBy: KillReason | null;
  /** The time the main child had had since its stop signal (or since the stop began, if none reached it). */
  killAfterMs: number | null;
  deadlineMs: number | null;
}

export class Stopping {
  private delayTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private exitTimer: NodeJS.Timeout | null = null;
  private delayDone = false;
  private story: StopStory | null = null;
  private stopAt: number | null = null;
  /** When the main child got its stop signal. */
  private forwardedAt: number | null = null;
  private forwardedAs: string | null = null;

  constructor(private readonly deps: StoppingDeps) {}

  get plan(): StopPlan {
    return this.deps.plan;
  }

  /** What happened, once a stop began; null when the main child ended without one. */
  get told(): StopStory | null {
    return this.story;
  }

  /** A stop signal arrived: the runtime's clock started (only the first one counts). */
  begin(signalName: string): void {
    if (this.story) return;
    const { plan, now } = this.deps;
    plan.begin();
    this.stopAt = now();
    this.story = {
      signal: signalName, forwardedAs: null, afterMainEnded: this.deps.mainHasEnded(),
      delayMs: 0, delayCutShort: false, killedBy: null, killAfterMs: null, deadlineMs: plan.settings.deadlineMs,
    };
    const { killBy, exitBy } = plan;
    // Even when nothing is forwarded (a --rewrite drops the signal), the runtime's clock runs.
    if (killBy !== null) this.deadlineTimer = setTimeout(() => this.atKillBy(), killBy - now());
    if (exitBy !== null) this.exitTimer = setTimeout(() => this.deps.onExitBy(), exitBy - now());
    this.deps.onBegin();
  }

  /**
   * Whether the stop signal is held for --stop-delay; `send` passes it on when the delay ends. A
   * second stop signal during the delay ends it: it is not held, and is passed on at once.
   */
  hold(signalName: string, send: () => void): boolean {
    const { plan, log, now } = this.deps;
    if (this.delayDone || plan.settings.delayMs === 0) return false;
    if (this.delayTimer) {
      clearTimeout(this.delayTimer);
      this.delayTimer = null;
      this.delayDone = true;
      this.story!.delayCutShort = true;
      log.info(`a second stop signal (${signalName}) ends the stop delay; forwarding it now`, {
        event: 'stop-delay', phase: 'cut-short', signal: signalName,
      });
      return false;
    }
    // Counted from the stop signal's arrival (the runtime's clock), not from this line.
    const forwardAt = plan.forwardAt();
    const delayMs = Math.round(forwardAt - this.stopAt!);
    const ms = Math.max(0, forwardAt - now());
    this.story!.delayMs = delayMs;
    log.info(`holding ${signalName} for the ${spoken(delayMs)} stop delay; everything keeps running`, {
      event: 'stop-delay', phase: 'start', signal: signalName, delayMs,
    });
    this.delayTimer = setTimeout(() => {
      this.delayTimer = null;
      this.delayDone = true;
      log.info(`the stop delay is over; forwarding ${signalName}`, { event: 'stop-delay', phase: 'end', signal: signalName });
      send();
    }, ms);
    return true;
  }

  /**
   * The stop signal reached the main child: --stop-timeout counts from now (the first time), or
   * `stopTimeoutMs` when procinit stops it itself.
   */
  forwarded(signalSent: string, stopTimeoutMs?: number): void {
    if (this.forwardedAt !== null) return;
    const forwardedAt = this.deps.now();
    this.forwardedAt = forwardedAt;
    this.forwardedAs = signalSent;
    if (this.story) this.story.forwardedAs = signalSent;
    const kill = this.deps.plan.killMain(forwardedAt, stopTimeoutMs);
    // The deadline's own kill is armed from the stop's beginning.
    if (kill?.reason !== 'stop-timeout') return;
    const afterMs = kill.at - forwardedAt;
    this.timeoutTimer = setTimeout(() => this.killMain('stop-timeout', signalSent, afterMs), afterMs);
  }

  private atKillBy(): void {
    this.deadlineTimer = null;
    this.deps.atKillBy();
    const since = this.forwardedAt ?? this.stopAt!;
    this.killMain('stop-deadline', this.forwardedAs ?? this.story!.signal, this.deps.now() - since);
  }

  private killMain(reason: KillReason, signalSent: string, afterMs: number): void {
    const { native, log, plan } = this.deps;
    const pid = this.deps.runningChild();
    if (pid === null) return;
    const fields = { event: reason, signal: signalSent, pid };
    if (reason === 'stop-timeout') {
      log.warn('the child did not stop in time; killing its process group', { ...fields, stopTimeoutMs: Math.round(afterMs) });
    } else {
      log.warn(`the child still runs ${spoken(afterMs)} after ${signalSent}, and the stop deadline is near; killing its process group`, {
        ...fields, stopDeadlineMs: plan.settings.deadlineMs,
      });
    }
    if (this.story && this.story.killedBy === null) {
      this.story.killedBy = reason;
      this.story.killAfterMs = Math.round(afterMs);
    }
    this.deps.beforeKill();
    native.kill(-pid, SIG.KILL);
    // The child may have left its group; it must die all the same.
    native.kill(pid, SIG.KILL);
  }

  /** The main child ended: nothing of its own stop is left to time (the deadline's timers stay, for the rest). */
  mainEnded(): void {
    for (const timer of [this.delayTimer, this.timeoutTimer]) if (timer) clearTimeout(timer);
    this.delayTimer = null;
    this.timeoutTimer = null;
  }

  /** procinit is exiting. */
  close(): void {
    this.mainEnded();
    for (const timer of [this.deadlineTimer, this.exitTimer]) if (timer) clearTimeout(timer);
  }
}
