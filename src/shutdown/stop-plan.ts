// The stop as one plan, from the first stop signal to procinit's exit: the stop delay, the main
// child's stop (--stop-timeout), the drain (--grace), all fitted inside --stop-deadline, the time
// the runtime gives before it SIGKILLs PID 1 (docker stop -t, terminationGracePeriodSeconds). Pure:
// times are milliseconds on the clock passed in, so it is tested without processes or timers.
//
//   stop signal ── delay ──> forwarded ── main's stop ──> drain ── grace ──> SIGKILL ── exit
//   |<──────────────────────────── --stop-deadline ───────────────────────────────────────>| runtime's SIGKILL
//                                               killBy ─┘ (last SIGKILL)   exitBy ─┘ (procinit gone)

/** After SIGKILL a process in uninterruptible sleep may hold on; without a deadline, wait this long. */
export const AFTER_KILL_MS = 2_000;

export interface StopSettings {
  /** --stop-delay: how long the first stop signal is held while everything keeps running. */
  delayMs: number;
  /** --stop-timeout: after the stop signal reached the main child, SIGKILL it this much later. */
  stopTimeoutMs: number | null;
  /** --grace: the drain's time between SIGTERM and SIGKILL. */
  graceMs: number;
  /** --stop-deadline: the whole stop, from the stop signal to procinit's exit. */
  deadlineMs: number | null;
}

/**
 * Kept at the end of the deadline: the time between the last SIGKILL and the exit (the killed die
 * and are reaped), and then the exit itself (the last log lines, the termination message). A tenth
 * of the deadline each, and at most 1 s and 0.5 s: fixed amounts would eat a short deadline whole.
 */
export function deadlineReserves(deadlineMs: number): { afterKillMs: number; exitMs: number } {
  return { afterKillMs: Math.min(1_000, deadlineMs / 10), exitMs: Math.min(500, deadlineMs / 10) };
}

/** Why a --stop-delay cannot fit in a --stop-deadline, as the end of a usage error; undefined when it fits. */
export function whyDelayDoesNotFit(delayMs: number, deadlineMs: number): string | undefined {
  const { afterKillMs, exitMs } = deadlineReserves(deadlineMs);
  if (delayMs < deadlineMs - afterKillMs - exitMs) return undefined;
  return 'the delay would use up the whole deadline and leave the app no time to stop';
}

export type KillReason = 'stop-timeout' | 'stop-deadline';

export class StopPlan {
  private stopAt: number | null = null;

  constructor(readonly settings: StopSettings, private readonly now: () => number) {}

  get isStopping(): boolean {
    return this.stopAt !== null;
  }

  /** The first stop signal: the runtime's clock started. Later calls change nothing. */
  begin(): void {
    this.stopAt ??= this.now();
  }

  /** When procinit must be gone (the runtime's SIGKILL comes a reserve later); null without a deadline. */
  get exitBy(): number | null {
    const { deadlineMs } = this.settings;
    if (this.stopAt === null || deadlineMs === null) return null;
    return this.stopAt + deadlineMs - deadlineReserves(deadlineMs).exitMs;
  }

  /** The last moment to SIGKILL anything; null without a deadline. */
  get killBy(): number | null {
    const exitBy = this.exitBy;
    return exitBy === null ? null : exitBy - deadlineReserves(this.settings.deadlineMs!).afterKillMs;
  }

  /** When the held stop signal is forwarded: after the delay, and before the deadline's kill point. */
  forwardAt(): number {
    const from = this.stopAt ?? this.now();
    const at = from + this.settings.delayMs;
    return this.killBy === null ? at : Math.min(at, this.killBy);
  }

  /**
   * When the main child, which got its stop signal at `forwardedAt`, is SIGKILLed if it still
   * runs, and why; null: never. `stopTimeoutMs` for procinit's own stop of it (a service gave up).
   */
  killMain(forwardedAt: number, stopTimeoutMs = this.settings.stopTimeoutMs): { at: number; reason: KillReason } | null {
    const byTimeout = stopTimeoutMs === null ? null : forwardedAt + stopTimeoutMs;
    const killBy = this.killBy;
    if (killBy !== null && (byTimeout === null || killBy < byTimeout)) return { at: killBy, reason: 'stop-deadline' };
    return byTimeout === null ? null : { at: byTimeout, reason: 'stop-timeout' };
  }

  /**
   * The drain, starting now: the grace, the wait after its SIGKILL, and whether the deadline cut
   * them. The drain gets what the main child's stop left of the deadline.
   */
  drain(): { graceMs: number; afterKillMs: number; cut: boolean } {
    const now = this.now();
    const { graceMs } = this.settings;
    const killBy = this.killBy;
    const exitBy = this.exitBy;
    if (killBy === null || exitBy === null) return { graceMs, afterKillMs: AFTER_KILL_MS, cut: false };
    const grace = Math.max(0, Math.min(graceMs, Math.round(killBy - now)));
    const afterKill = Math.max(0, Math.min(AFTER_KILL_MS, Math.round(exitBy - now - grace)));
    return { graceMs: grace, afterKillMs: afterKill, cut: grace < graceMs };
  }
}
