// When a run ends: restart it, and after how long; leave it ended; or give up. Pure, with the
// clock passed in, as moby's restartmanager: tested without processes.
import type { ExitStatus } from '../../native/api.js';
import type { RestartReason } from './states.js';
import type { RestartPolicyName, ServiceType } from './spec.js';

/** Docker's back-off (100 ms, doubling, a minute at most, reset after 10 s of a good run). */
export const BACKOFF = { initialMs: 100, factor: 2, maxMs: 60_000, goodRunMs: 10_000 } as const;

export interface PolicySpec {
  type: ServiceType;
  restart: RestartPolicyName;
  successExitCodes: readonly number[];
  maxRetries: number;
  critical: boolean;
}

/** Why procinit, not the service, ended a run. */
export type EndCause = 'ready-timeout' | 'spawn-error';

export interface RunEnd {
  status: ExitStatus;
  cause?: EndCause;
  /** How long the run lasted, ms. */
  ranMs: number;
  /** Whether it had become ready. */
  wasReady: boolean;
}

export type Decision =
  | { action: 'restart'; delayMs: number; failedRuns: number; reason: RestartReason }
  | { action: 'done'; success: boolean; failedRuns: number }
  | { action: 'give-up'; failedRuns: number; history: RunEnd[] };

export class RestartPolicy {
  private failedRuns = 0;
  private lastDelayMs = 0;
  private startedAt: number | null = null;
  private readyAt: number | null = null;
  /** The failed runs in a row, for the give-up message. */
  private failures: RunEnd[] = [];

  constructor(private readonly spec: PolicySpec, private readonly clock: () => number) {}

  runStarted(): void {
    this.startedAt = this.clock();
    this.readyAt = null;
  }

  runReady(): void {
    this.readyAt = this.clock();
  }

  /** The delay the next restart would get, 0 after a good run (the metric's current back-off). */
  get backoffMs(): number {
    return this.isGoodRun(this.clock()) ? 0 : this.lastDelayMs;
  }

  get failedRunsInRow(): number {
    return this.failedRuns;
  }

  /** A longrun up and ready for 10 s has proved itself: what failed before no longer counts. */
  private isGoodRun(now: number): boolean {
    return this.spec.type === 'longrun' && this.readyAt !== null && now - this.readyAt >= BACKOFF.goodRunMs;
  }

  isSuccess(status: ExitStatus, cause?: EndCause): boolean {
    return cause === undefined && 'exited' in status && this.spec.successExitCodes.includes(status.exited);
  }

  runEnded(status: ExitStatus, cause?: EndCause): Decision {
    const now = this.clock();
    const end: RunEnd = { status, ranMs: this.startedAt === null ? 0 : now - this.startedAt, wasReady: this.readyAt !== null };
    if (cause) end.cause = cause;
    const success = this.isSuccess(status, cause);
    // A longrun fails a run by ending before it was up and ready for 10 s, whatever its code;
    // a oneshot by ending without success. Anything else wipes the slate.
    const failed = this.spec.type === 'oneshot' ? !success : !this.isGoodRun(now);
    this.startedAt = null;
    this.readyAt = null;
    if (failed) {
      this.failedRuns++;
      this.failures.push(end);
    } else {
      this.failedRuns = 0;
      this.lastDelayMs = 0;
      this.failures = [];
    }
    const wantsRestart = this.spec.restart === 'always' || (this.spec.restart === 'on-failure' && !success);
    if (!wantsRestart) {
      // A run that had proved itself, then failed with no restart allowed: it alone is the story.
      const history = this.failures.length > 0 ? [...this.failures] : [end];
      if (!success && this.spec.critical) return { action: 'give-up', failedRuns: this.failedRuns, history };
      return { action: 'done', success, failedRuns: this.failedRuns };
    }
    if (failed && this.spec.critical && this.failedRuns >= this.spec.maxRetries) {
      return { action: 'give-up', failedRuns: this.failedRuns, history: [...this.failures] };
    }
    this.lastDelayMs = this.lastDelayMs === 0 ? BACKOFF.initialMs : Math.min(this.lastDelayMs * BACKOFF.factor, BACKOFF.maxMs);
    return { action: 'restart', delayMs: this.lastDelayMs, failedRuns: this.failedRuns, reason: reasonOf(status, success, cause) };
  }
}

export function reasonOf(status: ExitStatus, success: boolean, cause?: EndCause): RestartReason {
  if (cause) return cause;
  if ('signaled' in status) return 'signaled';
  return success ? 'exited' : 'failed';
}
