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
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { type Proc, childrenOf, decodeWaitStatus, descendants, isEnding, isZombie, readProc, sameProcess } from './procfs.js';
import { signalNameOf } from './signals.js';
import type { TrialName, TrialResult } from './types.js';

export type { TrialName, TrialResult } from './types.js';

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

/** Thrown when the trial cannot even start; the probe exits 3 with the message. */
export class ProbeSetupError extends Error {}
/** Thrown when abort() was called (the probe got SIGINT or SIGTERM); the namespace is gone. */
export class ProbeAborted extends Error {}

const SETTLE_SAMPLE_MS = 50;
/** A zombie seen again after this long is one nobody reaps, not one being reaped right now. */
const ZOMBIE_AGE_MS = 40;
const WATCH_SAMPLE_MS = 5;
const FIND_PID1_MS = 10_000;
/** After SIGKILL, a process in uninterruptible sleep may take a while; do not wait forever. */
const AFTER_KILL_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** util-linux 2.38 prints this when PID 1 died of a signal; it is noise, not the app's output. */
const UNSHARE_NOISE = /^unshare: sigprocmask unblock failed/;

function forwardLines(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    if (!stream) return resolve();
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (!UNSHARE_NOISE.test(line)) onLine(line);
    });
    stream.on('error', () => resolve());
    stream.on('close', () => {
      if (pending !== '' && !UNSHARE_NOISE.test(pending)) onLine(pending);
      resolve();
    });
  });
}

function send(pid: number, signal: NodeJS.Signals | number): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already (ESRCH): nothing left to signal
  }
}

interface Closed { code: number | null; signal: NodeJS.Signals | null }

export class Trial {
  private child: ChildProcess | null = null;
  private pid1: number | null = null;
  private aborted = false;
  private closed: Promise<Closed> | null = null;
  /** unshare was stopped and has been let go again. */
  private released = false;

  constructor(private readonly spec: TrialSpec) {}

  /** Kills the namespace now; run() then rejects with ProbeAborted. Safe to call at any time. */
  abort(): void {
    this.aborted = true;
    this.killAll();
  }

  private killAll(): void {
    // While unshare is stopped, PID 1 cannot be reaped, so its pid cannot be someone else's yet.
    if (this.pid1 !== null && !this.released) send(this.pid1, 'SIGKILL');
    if (this.unshareExited) return;
    // Killing unshare kills PID 1 as well (--kill-child), whether or not the probe knows its pid.
    send(this.child!.pid!, 'SIGKILL');
    send(this.child!.pid!, 'SIGCONT');
  }

  /** Lets unshare go on: it reaps PID 1 and exits. */
  private release(): void {
    this.released = true;
    if (!this.unshareExited) send(this.child!.pid!, 'SIGCONT');
  }

  private get unshareExited(): boolean {
    return this.child === null || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async run(): Promise<TrialResult> {
    await this.start();
    const closed = this.closed!;
    let finished = false;
    try {
      const result = await this.observe();
      finished = true;
      return result;
    } finally {
      // However the trial went, nothing of it may outlive it.
      if (!finished) this.killAll();
      else this.release();
      const timer = setTimeout(() => this.killAll(), AFTER_KILL_MS);
      await closed;
      clearTimeout(timer);
    }
  }

  private async start(): Promise<void> {
    const { argv, env, onOutput } = this.spec;
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new ProbeSetupError(`cannot start ${argv[0]}: ${error.message}`)));
    });
    const output = Promise.all([forwardLines(child.stdout, onOutput), forwardLines(child.stderr, onOutput)]);
    const exited = new Promise<Closed>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.closed = Promise.all([exited, output]).then(([status]) => status);
  }

  private async findPid1(): Promise<number | null> {
    const launcher = this.child!.pid!;
    const deadline = performance.now() + FIND_PID1_MS;
    while (!this.aborted) {
      const [pid] = childrenOf(launcher);
      if (pid !== undefined) return pid;
      if (this.unshareExited) return null;
      if (performance.now() > deadline) throw new ProbeSetupError(`unshare started no process within ${FIND_PID1_MS / 1000} s`);
      await sleep(2);
    }
    return null;
  }

  private checkAborted(): void {
    if (this.aborted) throw new ProbeAborted('aborted');
  }

  private async observe(): Promise<TrialResult> {
    const { spec } = this;
    let began = performance.now();
    const pid1 = await this.findPid1();
    this.checkAborted();
    if (pid1 === null) return this.endedEarly(null, [], []);
    // From here on PID 1 cannot be reaped behind the probe's back (see the top of the file).
    send(this.child!.pid!, 'SIGSTOP');
    this.pid1 = pid1;

    // Under procinit, --after counts from the app's start, not procinit's: the app gets the same
    // time to settle in both trials, and procinit's handlers are in place by then (a signal to
    // PID 1 before it has a handler is dropped by the kernel, and Node needs ~50 ms to start).
    if (spec.main === 'first-child') {
      const deadline = performance.now() + FIND_PID1_MS;
      for (;;) {
        this.checkAborted();
        const self = readProc(pid1);
        if (!self || isZombie(self)) return this.endedEarly(self, [], []);
        if (childrenOf(pid1).length > 0) break;
        if (performance.now() > deadline) throw new ProbeSetupError(`procinit started no child within ${FIND_PID1_MS / 1000} s`);
        await sleep(2);
      }
      began = performance.now();
    }

    // Settle: sample now and then, so that zombies can be told from children being reaped.
    const samples: { at: number; tree: Proc[] }[] = [{ at: performance.now(), tree: descendants(pid1) }];
    /** The latest sample at least ZOMBIE_AGE_MS old, else the oldest there is. */
    const reference = () => {
      const old = samples.filter((s) => s.at <= performance.now() - ZOMBIE_AGE_MS);
      return (old.pop() ?? samples[0]!).tree;
    };
    for (;;) {
      this.checkAborted();
      const self = readProc(pid1);
      if (!self || isZombie(self)) return this.endedEarly(self, samples[samples.length - 1]!.tree, reference());
      const left = spec.afterMs - (performance.now() - began);
      if (left <= 0) break;
      await sleep(Math.min(SETTLE_SAMPLE_MS, left));
      samples.push({ at: performance.now(), tree: descendants(pid1) });
      if (samples.length > 4) samples.shift();
    }

    // The moment of the signal: what runs now is the baseline.
    const atSignal = descendants(pid1);
    const self = readProc(pid1);
    if (!self || isZombie(self)) return this.endedEarly(self, atSignal, reference());
    const main = spec.main === 'pid1' ? self : firstChild(pid1, atSignal);
    const zombies = lingeringZombies(atSignal, reference());
    send(pid1, spec.signal);
    const signalAt = performance.now();
    spec.onSignalSent?.();

    // Watch: the last sample taken while the main process still ran says what outlived it.
    let lastWhileMainRan = atSignal;
    let mainEnded = false;
    let killed = false;
    let killedAt = 0;
    let end: Proc | null = null;
    for (;;) {
      this.checkAborted();
      const tree = descendants(pid1);
      const now = readProc(pid1);
      if (!now || isZombie(now)) {
        end = now;
        break;
      }
      // The tree was read before PID 1 and the main process were seen still running (not even
      // exiting: an exiting PID 1 has the kernel kill the rest before it becomes a zombie).
      if (!mainEnded) {
        const alive = !isEnding(now) && (main === null || main.pid === pid1 || stillRunning(main));
        if (alive) lastWhileMainRan = tree;
        else mainEnded = true;
      }
      const elapsed = performance.now() - signalAt;
      if (!killed && elapsed >= spec.timeoutMs) {
        killed = true;
        killedAt = performance.now();
        // What runs now is what the kill ends: the last sample stands for "when the main one ended".
        mainEnded = true;
        send(pid1, 'SIGKILL');
      }
      if (killed && performance.now() - killedAt > AFTER_KILL_MS) {
        throw new ProbeSetupError(`PID 1 (host pid ${pid1}) did not die ${AFTER_KILL_MS / 1000} s after SIGKILL`);
      }
      await sleep(WATCH_SAMPLE_MS);
    }
    const ms = Math.round(performance.now() - signalAt);
    const ending = await this.endingOf(end);
    const leftovers = lastWhileMainRan.filter((p) => !isZombie(p) && (main === null || !sameProcess(p, main)));
    return {
      stopped: !killed,
      ms,
      exitCode: ending.exitCode,
      signal: ending.signal === null ? null : signalNameOf(ending.signal),
      killed,
      exitedBeforeSignal: false,
      zombies,
      leftovers: leftovers.length,
      leftoverCommands: leftovers.map((p) => p.comm),
      pid1: self.comm,
      main: main?.comm ?? null,
    };
  }

  /** PID 1's wait status from its zombie, else (already reaped) what unshare reported. */
  private async endingOf(zombie: Proc | null): Promise<{ exitCode: number | null; signal: number | null }> {
    if (zombie && zombie.state === 'Z') return decodeWaitStatus(zombie.waitStatus);
    this.release();
    const closed = await this.closed!;
    if (closed.signal) return { exitCode: null, signal: signalNumber(closed.signal) };
    return { exitCode: closed.code, signal: null };
  }

  private async endedEarly(zombie: Proc | null, latest: Proc[], previous: Proc[]): Promise<TrialResult> {
    const ending = await this.endingOf(zombie);
    return {
      stopped: false,
      ms: null,
      exitCode: ending.exitCode,
      signal: ending.signal === null ? null : signalNameOf(ending.signal),
      killed: false,
      exitedBeforeSignal: true,
      zombies: lingeringZombies(latest, previous),
      leftovers: 0,
      leftoverCommands: [],
      pid1: zombie?.comm ?? null,
      main: null,
    };
  }
}

function signalNumber(name: NodeJS.Signals): number {
  return constants.signals[name];
}

/** procinit's child: the oldest living child of PID 1 (orphans re-parented to PID 1 come later). */
function firstChild(pid1: number, tree: Proc[]): Proc | null {
  const children = tree.filter((p) => p.ppid === pid1 && !isZombie(p));
  children.sort((a, b) => a.start - b.start || a.pid - b.pid);
  return children[0] ?? null;
}

function stillRunning(proc: Proc): boolean {
  const now = readProc(proc.pid);
  return now !== null && now.start === proc.start && !isEnding(now);
}

/** Zombies in `now` that were zombies in `before` too: nobody is reaping them. */
function lingeringZombies(now: Proc[], before: Proc[]): number {
  const zombiesBefore = before.filter(isZombie);
  return now.filter((p) => isZombie(p) && zombiesBefore.some((q) => sameProcess(p, q))).length;
}
