// The services chunk (dist/services.js): required by main.ts only when a config is given, and by
// `procinit status`. A plain `procinit -- cmd` never reads it.
import type { Bytes, Native } from '../../native/api.js';
import type { RealtimeRange } from '../core/signal-table.js';
import { signalName } from '../core/signal-table.js';
import type { Log } from '../observability/log.js';
import { ConfigError, formatConfigError, loadConfig } from './config.js';
import { LogRelay } from './log-relay.js';
import { type MainControl, Orchestrator, type StartMain } from './orchestrator.js';
import { Service } from './service.js';
import type { ServicesConfig } from './spec.js';
import { StatusFile, type StatusSnapshot, chooseStatusFile } from './status-file.js';
import { statusCommand } from './status-command.js';
import { registerServiceMetrics } from './metrics.js';
import type { ServiceEnd } from '../core/ending.js';
import type { OomKills } from '../observability/oom-kills.js';

export type { ServicesConfig } from './spec.js';

/** The config, validated, or the one line to exit 2 with. */
export function loadServicesConfig(file: string, hasMain: boolean, native: Native, rt: RealtimeRange):
  { ok: true; config: ServicesConfig } | { ok: false; message: string } {
  try {
    const config = loadConfig(file, { hasMain, rt });
    const withCwd = config.services.find((s) => s.cwd !== null);
    if (withCwd && !native.canSpawnWithCwd) {
      return { ok: false, message: formatConfigError(file, new ConfigError(`services.${withCwd.name}.cwd`,
        'this C library cannot start a program in another directory (glibc >= 2.29 or musl >= 1.1.24 can); remove cwd and cd in a wrapper script')) };
    }
    return { ok: true, config };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, message: formatConfigError(file, error) };
    throw error;
  }
}

export interface ServicesDeps {
  native: Native;
  log: Log;
  rt: RealtimeRange;
  /** procinit's children's environment, entry by entry, as procinit was given it. */
  baseEnv: Bytes[];
  /** Signals procinit's caller ignored (nohup's SIGHUP): every child starts with them ignored. */
  ignoredSignals: readonly number[];
  env: Record<string, string | undefined>;
  rewrites: ReadonlyMap<number, number>;
  parentDeathSignal: number | null;
  stopTimeoutMs: number | null;
  logPrefix: boolean;
  statusFile: string | null;
  mainCommand: string[] | null;
  /** Where a service without `cwd` runs: procinit's start directory, which procinit itself leaves. */
  startDirectory: string | null;
  /** Called with each service's pid once spawned (its OOM score). */
  afterSpawn?: (pid: number) => unknown;
  /** The memory cgroup's OOM-kill counter: a service that died of SIGKILL is checked against it. */
  oomKills?: OomKills;
}

export class ServicesRuntime {
  readonly orchestrator: Orchestrator;
  private readonly relay: LogRelay | null;
  private readonly statusFile: StatusFile | null;
  private readonly startedAt = Date.now();
  private warnedStatus = false;

  constructor(readonly config: ServicesConfig, private readonly deps: ServicesDeps) {
    this.relay = deps.logPrefix ? new LogRelay(deps.native) : null;
    const path = chooseStatusFile(deps.env, deps.native.getpid(), deps.statusFile);
    this.statusFile = path ? new StatusFile(path) : null;
    if (!path) deps.log.warn('no writable runtime directory for the status file; procinit status will not work (set PROCINIT_STATUS_FILE)');
    const listeners = [() => this.orchestrator.changed()];
    const services = config.services.map((spec) => new Service(spec, {
      native: deps.native, log: deps.log, rt: deps.rt, clock: () => performance.now(), baseEnv: deps.baseEnv,
      ignoredSignals: deps.ignoredSignals, relay: this.relay, startDirectory: deps.startDirectory,
      ...(deps.afterSpawn ? { afterSpawn: deps.afterSpawn } : {}),
      ...(deps.oomKills ? { oomKills: deps.oomKills } : {}),
      ownPid: (pid, onExit) => this.orchestrator.ownPid(pid, onExit), listeners,
    }));
    this.orchestrator = new Orchestrator(services, {
      log: deps.log, rt: deps.rt, rewrites: deps.rewrites, parentDeathSignal: deps.parentDeathSignal,
      stopTimeoutMs: deps.stopTimeoutMs, onChange: () => this.writeStatus(),
    });
  }

  start(control: MainControl, startMain: StartMain | null): void {
    this.writeStatus();
    if (this.statusFile) this.deps.log.info(`status file: ${this.statusFile.path}`, { event: 'status-file', path: this.statusFile.path });
    this.orchestrator.start(control, startMain);
  }

  snapshot(): StatusSnapshot {
    const o = this.orchestrator;
    return {
      version: 1, pid: this.deps.native.getpid(), startedAt: this.startedAt, updatedAt: Date.now(), stopping: o.stopping,
      main: this.deps.mainCommand && o.mainState ? {
        command: this.deps.mainCommand, state: o.mainState, pid: o.mainPid, startedAt: o.mainStartedAt, exitCode: o.mainExitCode,
      } : null,
      services: o.services.map((s) => ({ ...s.record, backoffMs: s.currentBackoffMs })),
    };
  }

  private writeStatus(): void {
    if (!this.statusFile || this.statusFile.write(this.snapshot()) || this.warnedStatus) return;
    this.warnedStatus = true;
    this.deps.log.warn(`cannot write the status file ${this.statusFile.path}; procinit status will be stale`, { event: 'status-file' });
  }

  /** As procinit exits: every relayed line out, the status file gone. */
  beforeExit(): void {
    this.relay?.flushSync();
    this.statusFile?.remove();
  }

  /** The service whose give-up ends procinit, for the termination message; undefined for any other end. */
  endingService(): ServiceEnd | undefined {
    const reason = this.orchestrator.reason;
    if (reason?.kind !== 'give-up' && reason?.kind !== 'startup-failed') return undefined;
    const { giveUp } = reason;
    const spec = this.config.services.find((s) => s.name === giveUp.service);
    return { name: giveUp.service, runs: giveUp.failedRuns, command: spec?.command ?? [], status: giveUp.status, oom: giveUp.oom ?? null, hint: giveUp.hint };
  }

  /** Why procinit ends, for the exit record. */
  endFields(): Record<string, unknown> {
    const reason = this.orchestrator.reason;
    if (!reason) return {};
    if (reason.kind === 'give-up' || reason.kind === 'startup-failed') {
      return { ending: reason.kind, service: reason.giveUp.service, failedRuns: reason.giveUp.failedRuns, hint: reason.giveUp.hint };
    }
    if (reason.kind === 'stop-signal') return { ending: reason.kind, signal: signalName(reason.signal, this.deps.rt) };
    return { ending: reason.kind };
  }

  readonly registerMetrics = (client: typeof import('prom-client'), registry: import('prom-client').Registry): void => {
    registerServiceMetrics(client, registry, () => this.snapshot().services);
  };
}

export function createServices(config: ServicesConfig, deps: ServicesDeps): ServicesRuntime {
  return new ServicesRuntime(config, deps);
}

/** `procinit status [--json] [--file PATH]`. */
export function statusMain(argv: string[]): number {
  const rt = { min: 34, max: 64 };
  const result = statusCommand(argv, process.env, Date.now(), (n) => signalName(n, rt));
  const { writeSync } = require('node:fs') as typeof import('node:fs');
  try {
    if (result.stdout) writeSync(1, result.stdout);
    if (result.stderr) writeSync(2, result.stderr);
  } catch {
    // a closed stdout: the exit code still answers the health check
  }
  return result.code;
}
