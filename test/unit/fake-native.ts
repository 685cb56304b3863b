// A scripted stand-in for native/: records the syscalls the init makes and answers waitpid from
// a queue, so the pure logic can be tested without processes.
import type { ExitStatus, KillResult, Native, PipeResult, SpawnRequest, SpawnResult, WaitResult } from '../../native/api.js';

export class FakeNative implements Native {
  pid = 1;
  kills: Array<{ pid: number; signal: number }> = [];
  spawned: SpawnRequest[] = [];
  /** Children that have ended and wait to be reaped, in order. */
  zombies: Array<{ pid: number; status: ExitStatus }> = [];
  /** How many children are still running (not zombies). */
  running = 0;
  killResult: KillResult = 'sent';
  spawnResult: SpawnResult = { ok: true, pid: 100 };
  canSpawnInForeground = true;
  canSpawnWithCwd = true;
  /** Pipes handed out, as numbers no real descriptor has. */
  pipes: Array<{ read: number; write: number }> = [];
  realtimeRange = { min: 34, max: 64 };

  getpid = () => this.pid;
  getpgrp = () => this.pid;
  spawn(request: SpawnRequest): SpawnResult {
    this.spawned.push(request);
    if (this.spawnResult.ok) this.running++;
    return this.spawnResult;
  }
  /** A running child ends: it becomes a zombie. */
  exit(pid: number, status: ExitStatus): void {
    this.running--;
    this.zombies.push({ pid, status });
  }
  private nothingReady(): WaitResult {
    return this.running > 0 ? { kind: 'none-ready' } : { kind: 'no-children' };
  }
  waitAny(): WaitResult {
    const z = this.zombies.shift();
    return z ? { kind: 'reaped', pid: z.pid, status: z.status } : this.nothingReady();
  }
  peekExited(): number {
    if (this.zombies.length > 0) return this.zombies[0]!.pid;
    return this.running > 0 ? 0 : -1;
  }
  waitFor(pid: number): WaitResult {
    const i = this.zombies.findIndex((z) => z.pid === pid);
    if (i < 0) return this.nothingReady();
    const [z] = this.zombies.splice(i, 1);
    return { kind: 'reaped', pid: z!.pid, status: z!.status };
  }
  kill(pid: number, signal: number): KillResult {
    this.kills.push({ pid, signal });
    return this.killResult;
  }
  becomeSubreaper = () => 0;
  setProcessName = (_name: string) => {};
  maskInThisThread = (_block: readonly number[], _unblock: readonly number[]) => 0;
  environ: Buffer[] = [];
  cmdline: Buffer[] | null = null;
  execs: Array<{ file: unknown; argv: unknown[]; env: unknown[] }> = [];
  enlargeSignalQueue = () => 4096;
  dropCleanFilePages = () => 0;
  exitNow(code: number): never {
    throw new Error(`exitNow(${code})`);
  }
  readEnviron = () => this.environ;
  readCmdline = () => this.cmdline;
  guessInheritedDescriptors = () => [0, 1, 2];
  execve(file: unknown, argv: unknown[], env: unknown[]): number {
    this.execs.push({ file, argv, env });
    return 2;
  }
  setParentDeathSignal = () => 0;
  setInheritable = () => 0;
  isatty = () => false;
  foregroundGroup = () => -1;
  setForegroundGroup = () => 0;
  sendNoWait = (_fd: number, data: Buffer) => data.length;
  pipe(): PipeResult {
    const pipe = { read: 10_000 + 2 * this.pipes.length, write: 10_001 + 2 * this.pipes.length };
    this.pipes.push(pipe);
    return { ok: true, ...pipe };
  }
}
