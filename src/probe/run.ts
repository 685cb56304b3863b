// One trial: a command as PID 1 of a fresh PID namespace, watched from outside the way a
// container runtime would see it. The steps:
//   1. start `[setpriv --pdeathsig KILL] unshare --pid --fork ... -- <pid1 command>` in a session
//      of its own (no terminal, not in the caller's process group: only the probe signals it);
//   2. find unshare's child, PID 1 of the namespace, and SIGSTOP unshare: when PID 1 ends it then
//      stays a zombie, so its exact wait status can be read from /proc (unshare's own exit status
//      cannot be trusted: util-linux 2.38 reports every death by signal as exit status 1);
//   3. sample the namespace every 50 ms while the app settles (--after);
//   4. send the signal to PID 1 from outside, as `docker stop` does;
//   5. sample every 5 ms until PID 1 ends or --timeout runs out, then SIGKILL PID 1, which takes
//      the whole namespace with it;
//   6. SIGCONT unshare, let it reap and exit, and wait for the app's output to close.
// Steps 1, 2 and 6 are in unshare.ts, the sampling of steps 3 and 5 in watch.ts.
import { type Proc, decodeWaitStatus, descendants, isZombie, readProc, sameProcess } from './procfs.js';
import { signalNameOf } from './signals.js';
import type { TrialName, TrialResult } from './types.js';
import { type ExitStatus, ProbeSetupError, UnshareProcess, send } from './unshare.js';
import {
  type AfterSignal, type AtSignal, type EarlyEnd, type Watched, SettleSamples, firstChild, lingeringZombies, settle,
  waitForFirstChild, watchUntilEnd,
} from './watch.js';

export type { TrialName, TrialResult } from './types.js';
export { ProbeSetupError };

export interface TrialSpec {
  name: TrialName;
  /** The whole command line: wrapper, unshare and its flags, then what is to be PID 1. */
  argv: string[];
  /** The app is PID 1 itself (withoutInit), or PID 1's first child (procinit's child). */
  main: 'pid1' | 'first-child';
  signal: number;
  afterMs: number;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** One line of the app's stdout or stderr (or of unshare's / procinit's own messages). */
  onOutput: (line: string) => void;
  /** Called once the signal has been sent. */
  onSignalSent?: () => void;
}

/** Thrown when abort() was called (the probe got SIGINT or SIGTERM); the namespace is gone. */
export class ProbeAborted extends Error {}

export class Trial {
  private unshare: UnshareProcess | null = null;
  private aborted = false;

  constructor(private readonly spec: TrialSpec) {}

  /** Kills the namespace now; run() then rejects with ProbeAborted. Safe to call at any time. */
  abort(): void {
    this.aborted = true;
    this.unshare?.killAll();
  }

  async run(): Promise<TrialResult> {
    const unshare = await this.start();
    let finished = false;
    try {
      const result = await this.observe();
      finished = true;
      return result;
    } finally {
      // However the trial went, nothing of it may outlive it.
      if (!finished) unshare.killAll();
      else unshare.release();
      await unshare.waitForExit();
    }
  }

  private async start(): Promise<UnshareProcess> {
    const { argv, env, onOutput } = this.spec;
    const unshare = new UnshareProcess(argv, env);
    this.unshare = unshare;
    await unshare.started(onOutput);
    return unshare;
  }

  private checkAborted(): void {
    if (this.aborted) throw new ProbeAborted('aborted');
  }

  private async observe(): Promise<TrialResult> {
    let began = performance.now();
    const pid1 = await this.unshare!.findPid1(() => this.aborted);
    this.checkAborted();
    if (pid1 === null) return this.endedEarly({ zombie: null, zombies: 0 });
    // From here on PID 1 cannot be reaped behind the probe's back (see the top of the file).
    this.unshare!.stopReaping(pid1);
    const watched: Watched = { pid1, checkAborted: () => this.checkAborted() };

    // Under procinit, --after counts from the app's start, not procinit's: the app gets the same
    // time to settle in both trials, and procinit's handlers are in place by then (a signal to
    // PID 1 before it has a handler is dropped by the kernel, and Node needs ~50 ms to start).
    if (this.spec.main === 'first-child') {
      const ended = await waitForFirstChild(watched);
      if (ended) return this.endedEarly(ended);
      began = performance.now();
    }

    // Settle: sample now and then, so that zombies can be told from children being reaped.
    const samples = new SettleSamples(pid1);
    const endedSettling = await settle(watched, samples, this.spec.afterMs, began);
    if (endedSettling) return this.endedEarly(endedSettling);
    return this.signalAndWatch(watched, samples);
  }

  private async signalAndWatch(watched: Watched, samples: SettleSamples): Promise<TrialResult> {
    const { spec } = this;
    const { pid1 } = watched;
    // The moment of the signal: what runs now is the baseline.
    const atSignal = descendants(pid1);
    const self = readProc(pid1);
    if (!self || isZombie(self)) return this.endedEarly({ zombie: self, zombies: lingeringZombies(atSignal, samples.reference()) });
    const main = spec.main === 'pid1' ? self : firstChild(pid1, atSignal);
    const zombies = lingeringZombies(atSignal, samples.reference());
    send(pid1, spec.signal);
    const signalAt = performance.now();
    spec.onSignalSent?.();

    const baseline: AtSignal = { main, tree: atSignal, at: signalAt };
    const watch = await watchUntilEnd(watched, baseline, spec.timeoutMs);
    const ms = Math.round(performance.now() - signalAt);
    const ending = await this.endingOf(watch.end);
    return resultAfterSignal({ self, baseline, zombies, watch, ms, ending });
  }

  /** PID 1's wait status from its zombie, else (already reaped) what unshare reported. */
  private async endingOf(zombie: Proc | null): Promise<ExitStatus> {
    if (zombie && zombie.state === 'Z') return decodeWaitStatus(zombie.waitStatus);
    return this.unshare!.exitStatus();
  }

  private async endedEarly({ zombie, zombies }: EarlyEnd): Promise<TrialResult> {
    const ending = await this.endingOf(zombie);
    return {
      stopped: false,
      ms: null,
      exitCode: ending.exitCode,
      signal: ending.signal === null ? null : signalNameOf(ending.signal),
      killed: false,
      exitedBeforeSignal: true,
      zombies,
      leftovers: 0,
      leftoverCommands: [],
      pid1: zombie?.comm ?? null,
      main: null,
    };
  }
}

/** What the trial saw from the signal on. */
interface Observed { self: Proc; baseline: AtSignal; zombies: number; watch: AfterSignal; ms: number; ending: ExitStatus }

function resultAfterSignal({ self, baseline: { main }, zombies, watch, ms, ending }: Observed): TrialResult {
  const leftovers = watch.lastWhileMainRan.filter((p) => !isZombie(p) && (main === null || !sameProcess(p, main)));
  return {
    stopped: !watch.killed,
    ms,
    exitCode: ending.exitCode,
    signal: ending.signal === null ? null : signalNameOf(ending.signal),
    killed: watch.killed,
    exitedBeforeSignal: false,
    zombies,
    leftovers: leftovers.length,
    leftoverCommands: leftovers.map((p) => p.comm),
    pid1: self.comm,
    main: main?.comm ?? null,
  };
}
