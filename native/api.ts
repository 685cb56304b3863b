// The typed surface the init is written against. native/ implements it with koffi and Node's
// signal_wrap binding; unit tests pass a fake. Nothing here throws on an errno: results are values.

/** How a process ended, as waitpid(2) reports it. */
export type ExitStatus = { exited: number } | { signaled: number };

export type SpawnResult =
  | { ok: true; pid: number }
  | { ok: false; errno: number; code: string };

export type WaitResult =
  | { kind: 'reaped'; pid: number; status: ExitStatus }
  | { kind: 'none-ready' }
  | { kind: 'no-children' };

/** kill(2) sorted the way Node's child_process sorts it: ESRCH is not an error. */
export type KillResult = 'sent' | 'gone' | 'denied' | 'invalid';

/** A string, or bytes passed as they are (argv and environment need not be UTF-8). */
export type Bytes = string | Buffer;

export interface SpawnRequest {
  file: Bytes;
  argv: Bytes[];
  env: Bytes[];
  /** Hand the terminal on fd 0 to the child's new process group before it execs. */
  takeForeground: boolean;
  /** Signals the child starts with ignored, as procinit's caller had them (nohup's SIGHUP). */
  ignoredSignals?: readonly number[];
  /** The child's working directory (posix_spawn_file_actions_addchdir_np); unset: procinit's. */
  cwd?: string;
  /** Descriptors the child gets at fixed numbers: procinit's `from` becomes the child's `to`. */
  descriptors?: Array<{ from: number; to: number }>;
}

export type PipeResult = { ok: true; read: number; write: number } | { ok: false; errno: number; code: string };

export interface SignalWatch {
  /** Signals that could not be watched (uncatchable, or no way to catch them on this Node). */
  failed: number[];
  close(): void;
}

export interface Native {
  getpid(): number;
  getpgrp(): number;
  spawn(request: SpawnRequest): SpawnResult;
  /** One waitpid(-1, WNOHANG). */
  waitAny(): WaitResult;
  /**
   * waitid(WNOWAIT): the pid of a child ready to reap, left unreaped so /proc still names it;
   * 0 when none is ready, -1 when there are no children at all.
   */
  peekExited(): number;
  /** One waitpid(pid, WNOHANG). */
  waitFor(pid: number): WaitResult;
  kill(pid: number, signal: number): KillResult;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1); returns the errno on failure, 0 on success. */
  becomeSubreaper(): number;
  /** pthread_sigmask for the calling thread: blocks some, unblocks others; the errno, or 0. */
  maskInThisThread(block: readonly number[], unblock: readonly number[]): number;
  /** prctl(PR_SET_NAME): the name ps, top and the OOM killer's log show (at most 15 bytes). */
  setProcessName(name: string): void;
  /** prctl(PR_SET_PDEATHSIG, signal); returns the errno on failure, 0 on success. */
  setParentDeathSignal(signal: number): number;
  /** Clears FD_CLOEXEC so the child inherits fd; returns the errno on failure, 0 on success. */
  setInheritable(fd: number): number;
  isatty(fd: number): boolean;
  /** tcgetpgrp(fd), or -1 when fd is no terminal. */
  foregroundGroup(fd: number): number;
  /** Whether the child can be given the terminal before exec (glibc >= 2.35). */
  canSpawnInForeground: boolean;
  /** tcsetpgrp(fd, pgrp) from the parent after spawn: the racy fallback when the above is false. */
  setForegroundGroup(fd: number, pgrp: number): number;
  /** procinit's environment, entry by entry, as bytes (the C library's environ; needs no /proc). */
  readEnviron(): Buffer[];
  /** procinit's own argv as bytes, from /proc/self/cmdline; null without /proc. */
  readCmdline(): Buffer[] | null;
  /** The descriptors procinit seems to have inherited, told from Node's own by their kind. */
  guessInheritedDescriptors(): number[];
  /** execve(2): only returns, with the errno, when it fails. */
  execve(file: Bytes, argv: Bytes[], env: Bytes[]): number;
  /** Drops procinit's clean pages of its binary and libraries from its resident set; the bytes. */
  dropCleanFilePages(): number;
  /** Lets libuv queue more caught signals before it drops any; returns how many it now can. */
  enlargeSignalQueue(): number;
  /**
   * _exit(2), after Node's 'exit' listeners: no join of Node's threads, which a storm of queued
   * signals can keep busy for minutes, and nothing else of Node's teardown that could hang.
   */
  exitNow(code: number): never;
  /**
   * pipe2(O_CLOEXEC): both ends close-on-exec, so a child gets an end only through a spawn's
   * `descriptors`. Close the ends with fs.closeSync.
   */
  pipe(): PipeResult;
  /**
   * send(MSG_DONTWAIT): writes to a socket without blocking and without touching O_NONBLOCK on a
   * description others share. Bytes sent; 0 when the socket is full; -1 on any other error.
   */
  sendNoWait(fd: number, data: Buffer): number;
  /** Whether SpawnRequest.cwd works here: glibc >= 2.29 or musl >= 1.1.24. */
  readonly canSpawnWithCwd: boolean;
  /** SIGRTMIN and SIGRTMAX as this libc defines them. */
  realtimeRange: { min: number; max: number };
}
