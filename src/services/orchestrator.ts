// Start order and stop order. Services start when what they depend on is up and ready; the main
// command when every service is; on a stop, the main goes first, then each service once nothing
// that depends on it still runs (independent ones in parallel), and each tier ends the moment its
// processes are gone. The supervisor (src/core) reaps and forwards; it reaches this through the
// Sidecars seam.
import type { ExitStatus } from '../../native/api.js';
import type { Reaped } from '../core/reaper.js';
import type { Sidecars } from '../core/supervisor.js';
import { STOP_SIGNALS, type RealtimeRange, signalName } from '../core/signal-table.js';
import type { Log } from '../observability/log.js';
import type { GiveUp, Service } from './service.js';
import { FINAL, isUpAndReady } from './states.js';

/** What the supervisor offers the services: the main command's control, and the end. */
export interface MainControl {
  attachMain(pid: number): void;
  /** SIGTERM (after --rewrite) to the main, SIGKILL to its group after timeoutMs. */
  stopMain(timeoutMs: number): void;
  /** Drain what is left, then exit with this code. */
  endWith(code: number, status: ExitStatus): void;
}

export type StartMain = () => { ok: true; pid: number } | { ok: false; code: number; message: string };

export type EndReason =
  | { kind: 'main-exited' }
  | { kind: 'stop-signal'; signal: number }
  | { kind: 'give-up'; giveUp: GiveUp }
  | { kind: 'startup-failed'; giveUp: GiveUp }
  | { kind: 'main-not-started'; code: number }
  | { kind: 'all-ended' };

/** After --rewrite, these stop everything in order; any other signal is passed on. */
const ORDERED_STOP = new Set([2, 3, 15]);
/** How long the main gets when procinit itself stops it (a give-up) and no --stop-timeout is set. */
const MAIN_STOP_TIMEOUT_MS = 5_000;

export interface OrchestratorOptions {
  log: Log;
  rt: RealtimeRange;
  rewrites: ReadonlyMap<number, number>;
  parentDeathSignal: number | null;
  stopTimeoutMs: number | null;
  /** Called whenever the picture changes (the status file). */
  onChange: () => void;
}

export class Orchestrator implements Sidecars {
  private readonly pids = new Map<number, (status: ExitStatus) => void>();
  private control: MainControl | null = null;
  private startMain: StartMain | null = null;
  mainState: 'WAITING' | 'RUNNING' | 'EXITED' | null = null;
  mainPid: number | null = null;
  mainStartedAt: number | null = null;
  mainExitCode: number | null = null;
  reason: EndReason | null = null;
  private mainEnd: { code: number; status: ExitStatus; finish: (code: number, status: ExitStatus) => void } | null = null;
  private scheduled = false;
  private finished = false;

  constructor(readonly services: Service[], private readonly options: OrchestratorOptions) {}

  get stopping(): boolean {
    return this.reason !== null;
  }

  /** Hands a pid to the reaper's dispatch (a service's process or an exec check's). */
  readonly ownPid = (pid: number, onExit: (status: ExitStatus) => void): void => {
    this.pids.set(pid, onExit);
  };

  claim(reaped: Reaped): boolean {
    const onExit = this.pids.get(reaped.pid);
    if (!onExit) return false;
    this.pids.delete(reaped.pid);
    try {
      onExit(reaped.status);
    } catch (error) {
      this.options.log.error('internal error after a service ended; carrying on', { pid: reaped.pid, err: String(error) });
    }
    return true;
  }

  /** Begins: the services whose dependencies are met start now; the main when all are ready. */
  start(control: MainControl, startMain: StartMain | null): void {
    this.control = control;
    this.startMain = startMain;
    this.mainState = startMain ? 'WAITING' : null;
    this.advance();
  }

  /** A state changed somewhere: act on it once the current handler is done. */
  readonly changed = (): void => {
    this.options.onChange();
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.advance();
    });
  };

  private advance(): void {
    try {
      if (this.stopping) this.advanceStop();
      else this.advanceStart();
    } catch (error) {
      this.options.log.error('internal error while ordering services; carrying on', { err: String(error) });
    }
  }

  private dependenciesMet(service: Service): boolean {
    return service.spec.dependsOn.every((name) => isUpAndReady(this.byName(name).record));
  }

  private byName(name: string): Service {
    return this.services.find((s) => s.spec.name === name)!;
  }

  private advanceStart(): void {
    const fatal = this.services.find((s) => s.record.state === 'FATAL' && s.giveUp);
    if (fatal) return this.beginStop({ kind: 'give-up', giveUp: fatal.giveUp! });
    // Ended for good, not ready, and something still waits for it: nothing can start.
    const blocking = this.services.find((s) => FINAL.has(s.record.state) && !isUpAndReady(s.record) && this.isAwaited(s));
    if (blocking) {
      const giveUp = blocking.giveUp ?? { service: blocking.spec.name, failedRuns: 0, status: blocking.record.lastExit?.status ?? { exited: 1 },
        code: blocking.record.lastExit?.code || 1, hint: `${blocking.spec.name} ended before it was ready and is not restarted (restart: ${blocking.spec.restart})` };
      this.options.log.error(`start-up failed: ${giveUp.hint}; what depends on it cannot start`, {
        event: 'service-give-up', service: giveUp.service, code: giveUp.code, hint: giveUp.hint, phase: 'start-up' });
      return this.beginStop({ kind: 'startup-failed', giveUp });
    }
    for (const service of this.services) {
      if (service.record.state === 'STOPPED' && service.record.lastExit === null && this.dependenciesMet(service)) service.start();
    }
    if (this.mainState === 'WAITING' && this.services.every((s) => isUpAndReady(s.record))) this.launchMain();
    if (this.mainState === null && this.services.every((s) => FINAL.has(s.record.state))) this.beginStop({ kind: 'all-ended' });
  }

  private isAwaited(service: Service): boolean {
    if (this.mainState === 'WAITING') return true;
    return this.services.some((s) => s.record.state === 'STOPPED' && s.record.lastExit === null && s.spec.dependsOn.includes(service.spec.name));
  }

  private launchMain(): void {
    const started = this.startMain!();
    if (!started.ok) {
      this.options.log.error(started.message, { event: 'spawn', error: started.message });
      this.mainState = 'EXITED';
      this.mainExitCode = started.code;
      return this.beginStop({ kind: 'main-not-started', code: started.code });
    }
    this.mainState = 'RUNNING';
    this.mainPid = started.pid;
    this.mainStartedAt = Date.now();
    this.control!.attachMain(started.pid);
    this.options.onChange();
  }

  /** Every signal but SIGCHLD; the supervisor has already passed it to the main. */
  signal(received: number): void {
    const sent = this.options.rewrites.get(received) ?? received;
    const beforeMain = this.mainState === 'WAITING' && STOP_SIGNALS.has(received);
    if (beforeMain || ORDERED_STOP.has(sent) || received === this.options.parentDeathSignal) {
      this.options.log.info('stopping every service in order', { event: 'services-stop', signal: signalName(received, this.options.rt) });
      this.beginStop({ kind: 'stop-signal', signal: received });
      return;
    }
    for (const service of this.services) service.signal(received);
  }

  /** The stop deadline's last SIGKILL (src/shutdown/stopping.ts): every service still there gets it, in no order. */
  killAll(): void {
    for (const service of this.services) {
      service.stop();
      service.killNow();
    }
  }

  mainEnded(code: number, status: ExitStatus, finish: (code: number, status: ExitStatus) => void): void {
    this.mainState = 'EXITED';
    this.mainPid = null;
    this.mainExitCode = code;
    this.mainEnd = { code, status, finish };
    if (!this.stopping) this.beginStop({ kind: 'main-exited' });
    else this.changed();
  }

  private beginStop(reason: EndReason): void {
    if (this.stopping) return;
    this.reason = reason;
    this.options.onChange();
    // The main first. After a stop signal the supervisor has forwarded it already.
    if (this.mainState === 'RUNNING' && reason.kind !== 'stop-signal') {
      this.control!.stopMain(this.options.stopTimeoutMs ?? MAIN_STOP_TIMEOUT_MS);
    }
    this.advanceStop();
  }

  private advanceStop(): void {
    for (const service of this.services) if (!service.hasProcess) service.stop();
    if (this.mainState === 'RUNNING') return;
    const running = this.services.filter((s) => s.hasProcess);
    for (const service of running) {
      // Through a oneshot too: a worker that needs a migration that needs the database stops first.
      const dependents = this.dependentsOf(service.spec.name);
      if (!running.some((other) => dependents.has(other.spec.name))) service.stop();
    }
    if (running.length === 0) this.finish();
  }

  /** Every service that needs `name`, directly or through others. */
  private dependentsOf(name: string): Set<string> {
    const out = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const s of this.services) {
        if (s.spec.dependsOn.includes(current) && !out.has(s.spec.name)) {
          out.add(s.spec.name);
          queue.push(s.spec.name);
        }
      }
    }
    return out;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const { code, status } = this.exitStatus();
    if (this.mainEnd) this.mainEnd.finish(code, status);
    else this.control!.endWith(code, status);
  }

  /** procinit's exit: the give-up's, the main's, or (services only) the first listed service's. */
  private exitStatus(): { code: number; status: ExitStatus } {
    const reason = this.reason!;
    if (reason.kind === 'give-up' || reason.kind === 'startup-failed') return { code: reason.giveUp.code, status: reason.giveUp.status };
    if (reason.kind === 'main-not-started') return { code: reason.code, status: { exited: reason.code } };
    if (this.mainEnd) return { code: this.mainEnd.code, status: this.mainEnd.status };
    if (reason.kind === 'stop-signal' && this.mainState !== null) return { code: 128 + reason.signal, status: { signaled: reason.signal } };
    const first = this.services[0]!.record.lastExit;
    if (first) return { code: first.code, status: first.status };
    return reason.kind === 'stop-signal' ? { code: 128 + reason.signal, status: { signaled: reason.signal } } : { code: 0, status: { exited: 0 } };
  }
}
