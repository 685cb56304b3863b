// Sampling the namespace from /proc (steps 3 and 5 in run.ts): while the app settles, and after the
// signal until PID 1 ends.
import { type Proc, childrenOf, descendants, isEnding, isZombie, readProc, sameProcess } from './procfs.js';
import { AFTER_KILL_MS, FIND_PID1_MS, ProbeSetupError, send, sleep } from './unshare.js';

const SETTLE_SAMPLE_MS = 50;
/** A zombie seen again after this long is one nobody reaps, not one being reaped right now. */
const ZOMBIE_AGE_MS = 40;
const WATCH_SAMPLE_MS = 5;

/** PID 1 (host pid) of the trial's namespace, and a check that throws once the trial is aborted. */
export interface Watched { pid1: number; checkAborted: () => void }

/** PID 1 ended before the signal: its zombie (null once reaped), and the zombies nobody reaped. */
export interface EarlyEnd { zombie: Proc | null; zombies: number }

/** Waits for PID 1's first child; returns PID 1's end instead if it comes first. */
export async function waitForFirstChild({ pid1, checkAborted }: Watched): Promise<EarlyEnd | null> {
  const deadline = performance.now() + FIND_PID1_MS;
  for (;;) {
    checkAborted();
    const self = readProc(pid1);
    if (!self || isZombie(self)) return { zombie: self, zombies: 0 };
    if (childrenOf(pid1).length > 0) return null;
    if (performance.now() > deadline) throw new ProbeSetupError(`procinit started no child within ${FIND_PID1_MS / 1000} s`);
    await sleep(2);
  }
}

/** The last few samples of the namespace taken while the app settles. */
export class SettleSamples {
  private readonly samples: { at: number; tree: Proc[] }[];

  constructor(private readonly pid1: number) {
    this.samples = [{ at: performance.now(), tree: descendants(pid1) }];
  }

  take(): void {
    this.samples.push({ at: performance.now(), tree: descendants(this.pid1) });
    if (this.samples.length > 4) this.samples.shift();
  }

  get latest(): Proc[] {
    return this.samples[this.samples.length - 1]!.tree;
  }

  /** The latest sample at least ZOMBIE_AGE_MS old, else the oldest there is. */
  reference(): Proc[] {
    const old = this.samples.filter((s) => s.at <= performance.now() - ZOMBIE_AGE_MS);
    return (old.pop() ?? this.samples[0]!).tree;
  }
}

/** Samples until afterMs have passed since `began`; returns PID 1's end instead if it comes first. */
export async function settle(
  { pid1, checkAborted }: Watched, samples: SettleSamples, afterMs: number, began: number,
): Promise<EarlyEnd | null> {
  for (;;) {
    checkAborted();
    const self = readProc(pid1);
    if (!self || isZombie(self)) return { zombie: self, zombies: lingeringZombies(samples.latest, samples.reference()) };
    const left = afterMs - (performance.now() - began);
    if (left <= 0) return null;
    await sleep(Math.min(SETTLE_SAMPLE_MS, left));
    samples.take();
  }
}

/** The namespace when the signal was sent. */
export interface AtSignal { main: Proc | null; tree: Proc[]; at: number }

/** What the watch after the signal saw. */
export interface AfterSignal { end: Proc | null; lastWhileMainRan: Proc[]; killed: boolean }

/** Samples until PID 1 ends, and SIGKILLs it once timeoutMs have passed since the signal. */
export async function watchUntilEnd(
  { pid1, checkAborted }: Watched, { main, tree: atSignal, at: signalAt }: AtSignal, timeoutMs: number,
): Promise<AfterSignal> {
  // Watch: the last sample taken while the main process still ran says what outlived it.
  let lastWhileMainRan = atSignal;
  let mainEnded = false;
  let killed = false;
  let killedAt = 0;
  for (;;) {
    checkAborted();
    const tree = descendants(pid1);
    const now = readProc(pid1);
    if (!now || isZombie(now)) return { end: now, lastWhileMainRan, killed };
    // The tree was read before PID 1 and the main process were seen still running (not even
    // exiting: an exiting PID 1 has the kernel kill the rest before it becomes a zombie).
    if (!mainEnded) {
      const alive = !isEnding(now) && (main === null || main.pid === pid1 || stillRunning(main));
      if (alive) lastWhileMainRan = tree;
      else mainEnded = true;
    }
    const elapsed = performance.now() - signalAt;
    if (!killed && elapsed >= timeoutMs) {
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
}

/** procinit's child: the oldest living child of PID 1 (orphans re-parented to PID 1 come later). */
export function firstChild(pid1: number, tree: Proc[]): Proc | null {
  const children = tree.filter((p) => p.ppid === pid1 && !isZombie(p));
  children.sort((a, b) => a.start - b.start || a.pid - b.pid);
  return children[0] ?? null;
}

function stillRunning(proc: Proc): boolean {
  const now = readProc(proc.pid);
  return now !== null && now.start === proc.start && !isEnding(now);
}

/** Zombies in `now` that were zombies in `before` too: nobody is reaping them. */
export function lingeringZombies(now: Proc[], before: Proc[]): number {
  const zombiesBefore = before.filter(isZombie);
  return now.filter((p) => isZombie(p) && zombiesBefore.some((q) => sameProcess(p, q))).length;
}
