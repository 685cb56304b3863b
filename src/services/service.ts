// One service's life: spawn, readiness, exit, back-off, stop. Each step changes state through
// the state table and logs an event; what the other services do about it is the orchestrator's.
import type { Bytes, ExitStatus, Native } from '../../native/api.js';
import { exitCodeOf, exitCodeOfSpawnError, statusFields } from '../core/exit-code.js';
import { SIG, type RealtimeRange, signalName } from '../core/signal-table.js';
import type { Log } from '../observability/log.js';
import { type OomFinding, type OomKills, describeOomKill, oomFields } from '../observability/oom-kills.js';
import { giveUpHint } from './give-up.js';
import type { LogRelay } from './log-relay.js';
import { type Decision, type EndCause, RestartPolicy } from './policy.js';
import { type Readiness, prepareReadiness } from './readiness.js';
import type { ServiceSpec } from './spec.js';
import { HAS_PROCESS, type ServiceRecord, type ServiceState, type StateListener, changeState, newRecord } from './states.js';

export interface ServiceDeps {
  native: Native;
  log: Log;
  rt: RealtimeRange;
  /** Monotonic ms, for the policy's arithmetic. */
  clock: () => number;
  /** procinit's children's environment, NAME=value, as bytes or strings. */
  baseEnv: Bytes[];
  /** Signals every child starts with ignored (procinit's caller's, as nohup's SIGHUP). */
  ignoredSignals?: readonly number[];
  /** The working directory of a service without `cwd` (procinit's start directory); null: procinit's. */
  startDirectory?: string | null;
  /** Each spawned pid, as it starts (procinit raises its OOM score). */
  afterSpawn?: (pid: number) => unknown;
  /** The memory cgroup's OOM-kill counter, shared with the supervisor's reaping of the main child and orphans. */
  oomKills?: OomKills;
  relay: LogRelay | null;
  /** Hands a pid to procinit's reaper: onExit runs when it is reaped. */
  ownPid(pid: number, onExit: (status: ExitStatus) => void): void;
  listeners: StateListener[];
}

/** After SIGKILL a process in uninterruptible sleep may hold on; a stop waits this long for it. */
const AFTER_KILL_MS = 2_000;

export interface GiveUp { service: string; failedRuns: number; status: ExitStatus; code: number; hint: string; oom?: OomFinding | null }

/** The config's variables over procinit's children's environment, whose entries may be bytes. */
function mergeEnv(base: Bytes[], extra: Record<string, string>): Bytes[] {
  const keys = new Set(Object.keys(extra));
  const nameOf = (entry: Bytes) => {
    const text = typeof entry === 'string' ? entry : entry.toString('latin1');
    return text.slice(0, text.indexOf('='));
  };
  return [...base.filter((entry) => !keys.has(nameOf(entry))), ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)];
}

export class Service {
  readonly record: ServiceRecord;
  private readonly policy: RestartPolicy;
  private readonly env: Bytes[];
  private readiness: Readiness | null = null;
  private timers: { ready?: NodeJS.Timeout; backoff?: NodeJS.Timeout; kill?: NodeJS.Timeout } = {};
  private stopRequested = false;
  private endCause: EndCause | undefined;
  private runStartedAt = 0;
  /** The OOM killer's part in the last run's end, if it had one. */
  private lastOom: OomFinding | null = null;
  /** Set when the service gave up (a critical one) or ended for good without success. */
  giveUp: GiveUp | null = null;

  constructor(readonly spec: ServiceSpec, private readonly deps: ServiceDeps) {
    this.record = newRecord(spec.name, spec.type, spec.critical, Date.now());
    this.policy = new RestartPolicy(spec, deps.clock);
    this.env = mergeEnv(deps.baseEnv, spec.env);
  }

  private get cwd(): string | null {
    return this.spec.cwd ?? this.deps.startDirectory ?? null;
  }

  get hasProcess(): boolean {
    return HAS_PROCESS.has(this.record.state);
  }

  private change(to: ServiceState, update: Partial<ServiceRecord> = {}): boolean {
    return changeState(this.record, to, Date.now(), this.deps.listeners, (from, refused) => {
      this.deps.log.error('internal error: a service state change was refused; carrying on', {
        service: this.spec.name, from, to: refused,
      });
    }, update);
  }

  start(): void {
    const { native, log, relay } = this.deps;
    this.timers.backoff = undefined;
    this.lastOom = null;
    const readiness = this.spec.ready ? prepareReadiness(this.spec.ready, {
      native, env: this.env, cwd: this.cwd, ownPid: this.deps.ownPid,
    }) : null;
    if (readiness && 'error' in readiness) log.warn(`${this.spec.name}: ${readiness.error}`, { service: this.spec.name });
    this.readiness = readiness && !('error' in readiness) ? readiness : null;
    const ends = relay?.attach(this.spec.name) ?? null;
    const spawned = native.spawn({
      file: this.spec.command[0]!, argv: this.spec.command, env: this.env, takeForeground: false,
      ...(this.cwd !== null ? { cwd: this.cwd } : {}),
      descriptors: [...(ends?.descriptors ?? []), ...(this.readiness?.descriptors ?? [])],
      ...(this.deps.ignoredSignals?.length ? { ignoredSignals: this.deps.ignoredSignals } : {}),
    });
    ends?.closeWriteEnds();
    this.policy.runStarted();
    this.runStartedAt = this.deps.clock();
    const run = this.record.restarts + 1;
    if (!spawned.ok) {
      this.readiness?.cancel();
      this.readiness = null;
      const code = exitCodeOfSpawnError(spawned.code);
      log.warn(`cannot start ${this.spec.name}: ${JSON.stringify(this.spec.command[0])} ${code === 127 ? 'was not found' : 'cannot be run'} [${spawned.code}]`,
        { event: 'service-exit', service: this.spec.name, cause: 'spawn-error', errno: spawned.code, exitCode: code, run });
      this.change('STARTING', { pid: null, startedAt: Date.now(), readyAt: null });
      this.ended({ exited: code }, 'spawn-error');
      return;
    }
    const { pid } = spawned;
    this.deps.ownPid(pid, (status) => this.onExit(status));
    this.deps.afterSpawn?.(pid);
    this.change('STARTING', { pid, startedAt: Date.now(), readyAt: null });
    log.info(`started ${this.spec.name}`, { event: 'service-start', service: this.spec.name, pid, argv: this.spec.command, run });
    if (this.spec.type === 'oneshot') {
      if (this.spec.readyTimeoutMs !== null) this.timers.ready = setTimeout(() => this.onReadyTimeout(), this.spec.readyTimeoutMs);
      return;
    }
    if (!this.readiness) {
      this.onReady();
      return;
    }
    this.timers.ready = setTimeout(() => this.onReadyTimeout(), this.spec.readyTimeoutMs!);
    this.readiness.begin(() => this.onReady());
  }

  private onReady(): void {
    if (this.record.state !== 'STARTING') return;
    if (this.timers.ready) clearTimeout(this.timers.ready);
    this.policy.runReady();
    const ms = Math.round(this.deps.clock() - this.runStartedAt);
    this.change('RUNNING', { readyAt: Date.now() });
    this.deps.log.info(`${this.spec.name} is ready`, { event: 'service-ready', service: this.spec.name, pid: this.record.pid, ms });
  }

  private onReadyTimeout(): void {
    if (this.record.state !== 'STARTING') return;
    this.endCause = 'ready-timeout';
    this.readiness?.cancel();
    const what = this.spec.type === 'oneshot' ? 'did not complete' : 'was not ready';
    const last = this.readiness?.lastFailure;
    this.deps.log.warn(`${this.spec.name} ${what} within ${this.spec.readyTimeoutMs} ms; stopping it${last ? ` (last check: ${last})` : ''}`, {
      event: 'service-ready-timeout', service: this.spec.name, pid: this.record.pid, readyTimeoutMs: this.spec.readyTimeoutMs,
    });
    this.change('STOPPING');
    this.sendStop();
  }

  /** Its stop signal (then SIGCONT, so a stopped process can act on it), and SIGKILL to its group later. */
  private sendStop(): void {
    const pid = this.record.pid!;
    const { native, log, rt } = this.deps;
    native.kill(pid, this.spec.stopSignal);
    native.kill(pid, SIG.CONT);
    log.info(`stopping ${this.spec.name}`, { event: 'service-stop', service: this.spec.name, pid, signal: signalName(this.spec.stopSignal, rt) });
    this.timers.kill = setTimeout(() => {
      log.warn(`${this.spec.name} did not stop within ${this.spec.stopTimeoutMs} ms; killing its process group`, {
        event: 'service-stop-timeout', service: this.spec.name, pid, stopTimeoutMs: this.spec.stopTimeoutMs,
      });
      native.kill(-pid, SIG.KILL);
      native.kill(pid, SIG.KILL);
      this.timers.kill = setTimeout(() => this.abandon(), AFTER_KILL_MS);
    }, this.spec.stopTimeoutMs);
  }

  /**
   * SIGKILL did not end it (uninterruptible sleep in a hung NFS read, say): a stop must not wait
   * for ever. It counts as stopped; the drain and, as PID 1, the kernel deal with the process.
   */
  private abandon(): void {
    if (!this.stopRequested || this.record.state !== 'STOPPING') return;
    this.deps.log.warn(`${this.spec.name} is still there ${AFTER_KILL_MS} ms after SIGKILL; not waiting for it`, {
      event: 'service-stop-timeout', service: this.spec.name, pid: this.record.pid, phase: 'after-kill',
    });
    this.readiness?.cancel();
    this.change('STOPPED', { startedAt: null, readyAt: null });
  }

  private clearTimers(): void {
    for (const timer of Object.values(this.timers)) if (timer) clearTimeout(timer);
    this.timers = {};
  }

  private onExit(status: ExitStatus): void {
    if (this.record.state === 'STOPPED') return; // abandoned after SIGKILL, reaped at last
    this.clearTimers();
    this.readiness?.cancel();
    this.readiness = null;
    const runMs = Math.round(this.deps.clock() - this.runStartedAt);
    const expected = this.stopRequested || (this.policy.isSuccess(status, this.endCause) && this.spec.restart !== 'always');
    const fields = { event: 'service-exit', service: this.spec.name, pid: this.record.pid, ...statusFields(status, this.deps.rt), runMs };
    // Only a death by SIGKILL costs a file read: the OOM killer's counter (observability/oom-kills.ts).
    this.lastOom = this.deps.oomKills?.check(status) ?? null;
    if (this.lastOom) this.deps.log.warn(`${this.spec.name} was ${describeOomKill(this.lastOom)}`, { ...fields, ...oomFields(this.lastOom) });
    else if (expected) this.deps.log.info(`${this.spec.name} ended`, fields);
    else this.deps.log.warn(`${this.spec.name} ended`, fields);
    this.ended(status, this.endCause);
  }

  private ended(status: ExitStatus, cause: EndCause | undefined): void {
    this.endCause = undefined;
    const lastExit = { status, code: exitCodeOf(status), at: Date.now() };
    if (this.stopRequested) {
      this.policy.runEnded(status, cause);
      this.change('STOPPED', { lastExit, startedAt: null, readyAt: null });
      return;
    }
    this.act(this.policy.runEnded(status, cause), status, lastExit);
  }

  private act(decision: Decision, status: ExitStatus, lastExit: ServiceRecord['lastExit']): void {
    const { log, rt } = this.deps;
    const common = { lastExit, startedAt: null, readyAt: null, failedRuns: decision.failedRuns };
    if (decision.action === 'restart') {
      const byReason = { ...this.record.restartsByReason, [decision.reason]: (this.record.restartsByReason[decision.reason] ?? 0) + 1 };
      this.change('BACKOFF', { ...common, backoffMs: decision.delayMs, restarts: this.record.restarts + 1, restartsByReason: byReason });
      log[decision.failedRuns > 0 ? 'warn' : 'info'](`restarting ${this.spec.name} in ${decision.delayMs} ms`, {
        event: 'service-restart', service: this.spec.name, delayMs: decision.delayMs, reason: decision.reason, failedRuns: decision.failedRuns,
      });
      this.timers.backoff = setTimeout(() => this.start(), decision.delayMs);
      return;
    }
    if (decision.action === 'done') {
      this.change('EXITED', { ...common, completed: decision.success });
      if (!decision.success) this.giveUp = this.describeEnd(decision.failedRuns, status, `${this.spec.name} ended with ${describeShort(status, rt)} and is not restarted (restart: ${this.spec.restart})`);
      return;
    }
    // The OOM killer's counter says for sure what the exit statuses can only suggest.
    const hint = this.lastOom ? describeOomKill(this.lastOom) : giveUpHint(this.spec, decision.history, rt);
    this.giveUp = this.describeEnd(decision.failedRuns, status, hint);
    this.change('FATAL', common);
    log.error(`${this.spec.name} gave up: ${hint}`, {
      event: 'service-give-up', service: this.spec.name, failedRuns: decision.failedRuns, ...statusFields(status, rt), code: this.giveUp.code, hint,
    });
  }

  private describeEnd(failedRuns: number, status: ExitStatus, hint: string): GiveUp {
    const code = exitCodeOf(status);
    // A give-up is never a success, even of a service that exited 0 five times.
    return { service: this.spec.name, failedRuns, status, code: code === 0 ? 1 : code, hint, oom: this.lastOom };
  }

  /** Stops it for good: a pending restart is cancelled, a process gets its stop signal. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    if (this.timers.backoff) clearTimeout(this.timers.backoff);
    if (this.timers.ready) clearTimeout(this.timers.ready);
    this.readiness?.cancel();
    if (this.record.state === 'BACKOFF') this.change('STOPPED');
    else if (this.record.state === 'STARTING' || this.record.state === 'RUNNING') {
      this.change('STOPPING');
      this.sendStop();
    }
  }

  /** SIGKILL to its group now: the stop deadline leaves no time for its own stop. */
  killNow(): void {
    const pid = this.record.pid;
    if (!this.hasProcess || pid === null) return;
    this.deps.native.kill(-pid, SIG.KILL);
    this.deps.native.kill(pid, SIG.KILL);
  }

  /** A non-stop signal procinit received: passed on when the service's `signals` name it. */
  signal(received: number): void {
    const signal = this.spec.signals.get(received);
    if (signal === undefined || !this.hasProcess || this.record.pid === null) return;
    const result = this.deps.native.kill(this.record.pid, signal);
    this.deps.log.debug('forwarded a signal to a service', { event: 'signal', service: this.spec.name,
      received: signalName(received, this.deps.rt), forwardedAs: signalName(signal, this.deps.rt), target: this.record.pid, result });
  }

  get currentBackoffMs(): number {
    return this.record.state === 'BACKOFF' ? this.record.backoffMs : this.policy.backoffMs;
  }
}

function describeShort(status: ExitStatus, rt: RealtimeRange): string {
  return 'exited' in status ? `exit code ${status.exited}` : signalName(status.signaled, rt);
}
