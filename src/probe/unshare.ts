// The trial's unshare process, as the probe drives it (steps 1, 2 and 6 in run.ts): started with its
// output forwarded line by line, SIGSTOPped once PID 1 is found, then let go or killed, with
// everything in its namespace, when the trial is over.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { childrenOf } from './procfs.js';

/** Thrown when the trial cannot even start; the probe exits 3 with the message. */
export class ProbeSetupError extends Error {}

export const FIND_PID1_MS = 10_000;
/** After SIGKILL, a process in uninterruptible sleep may take a while; do not wait forever. */
export const AFTER_KILL_MS = 5_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function send(pid: number, signal: NodeJS.Signals | number): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already (ESRCH): nothing left to signal
  }
}

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

interface Closed { code: number | null; signal: NodeJS.Signals | null }

export interface ExitStatus { exitCode: number | null; signal: number | null }

export class UnshareProcess {
  private readonly child: ChildProcess;
  private closed: Promise<Closed> | null = null;
  private pid1: number | null = null;
  /** unshare was stopped and has been let go again. */
  private released = false;

  constructor(private readonly argv: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  }

  /** Resolves once unshare runs, and from then on passes each line of its output to onOutput. */
  async started(onOutput: (line: string) => void): Promise<void> {
    const { child } = this;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new ProbeSetupError(`cannot start ${this.argv[0]}: ${error.message}`)));
    });
    const output = Promise.all([forwardLines(child.stdout, onOutput), forwardLines(child.stderr, onOutput)]);
    const exited = new Promise<Closed>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.closed = Promise.all([exited, output]).then(([status]) => status);
  }

  /** unshare's child, PID 1 of the namespace; null when unshare ended first or isAborted() said so. */
  async findPid1(isAborted: () => boolean): Promise<number | null> {
    const launcher = this.child.pid!;
    const deadline = performance.now() + FIND_PID1_MS;
    while (!isAborted()) {
      const [pid] = childrenOf(launcher);
      if (pid !== undefined) return pid;
      if (this.exited) return null;
      if (performance.now() > deadline) throw new ProbeSetupError(`unshare started no process within ${FIND_PID1_MS / 1000} s`);
      await sleep(2);
    }
    return null;
  }

  /** SIGSTOPs unshare: once PID 1 ends it stays a zombie until release(). */
  stopReaping(pid1: number): void {
    send(this.child.pid!, 'SIGSTOP');
    this.pid1 = pid1;
  }

  killAll(): void {
    // While unshare is stopped, PID 1 cannot be reaped, so its pid cannot be someone else's yet.
    if (this.pid1 !== null && !this.released) send(this.pid1, 'SIGKILL');
    if (this.exited) return;
    // Killing unshare kills PID 1 as well (--kill-child), whether or not the probe knows its pid.
    send(this.child.pid!, 'SIGKILL');
    send(this.child.pid!, 'SIGCONT');
  }

  /** Lets unshare go on: it reaps PID 1 and exits. */
  release(): void {
    this.released = true;
    if (!this.exited) send(this.child.pid!, 'SIGCONT');
  }

  /** Releases unshare, then says how it ended. */
  async exitStatus(): Promise<ExitStatus> {
    this.release();
    const closed = await this.closed!;
    if (closed.signal) return { exitCode: null, signal: signalNumber(closed.signal) };
    return { exitCode: closed.code, signal: null };
  }

  /** Resolves once unshare has exited and its output has closed; kills all if that takes AFTER_KILL_MS. */
  async waitForExit(): Promise<void> {
    const closed = this.closed!;
    const timer = setTimeout(() => this.killAll(), AFTER_KILL_MS);
    await closed;
    clearTimeout(timer);
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }
}

function signalNumber(name: NodeJS.Signals): number {
  return constants.signals[name];
}
