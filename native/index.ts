// The koffi-backed implementation of the Native interface.
import type { KillResult, Native, PipeResult, WaitResult } from './api.js';
import { loadLibc } from './libc.js';
import { cString, spawnProcess } from './spawn.js';
import { procStrings, readEnviron } from './process-image.js';
import { inheritedDescriptors } from './descriptors.js';
import { enlargeSignalPipes } from './signal-pipes.js';
import { dropCleanFilePages } from './memory.js';
import { decodeWaitStatus } from './wait-status.js';
import {
  EAGAIN, ECHILD, EINTR, F_SETFD, MSG_DONTWAIT, MSG_NOSIGNAL, O_CLOEXEC, SIGSET_BYTES, SIG_BLOCK, SIG_UNBLOCK, EPERM, ESRCH,
  P_ALL, PR_SET_CHILD_SUBREAPER, PR_SET_NAME, PR_SET_PDEATHSIG, SIGINFO_BYTES, errnoName,
  SIGINFO_PID_OFFSET, WEXITED, WNOHANG, WNOWAIT,
} from './constants.js';

export type { Native } from './api.js';
export { keepAlive, watchNamedSignals, watchRealtimeSignals, realtimeSupport } from './signals.js';
export { decodeWaitStatus } from './wait-status.js';


export function loadNative(): Native {
  const libc = loadLibc();
  const status = [0];
  const siginfo = Buffer.alloc(SIGINFO_BYTES);
  function waitOnce(target: number): WaitResult {
    for (;;) {
      const pid: number = libc.waitpid(target, status, WNOHANG);
      if (pid > 0) return { kind: 'reaped', pid, status: decodeWaitStatus(status[0]!) };
      if (pid === 0) return { kind: 'none-ready' };
      const errno = libc.errno();
      if (errno === EINTR) continue;
      // ECHILD, or anything unexpected: either way there is nothing to reap now.
      return errno === ECHILD ? { kind: 'no-children' } : { kind: 'none-ready' };
    }
  }
  return {
    getpid: () => libc.getpid(),
    getpgrp: () => libc.getpgrp(),
    spawn: (request) => spawnProcess(libc, request),
    waitAny: () => waitOnce(-1),
    waitFor: (pid) => waitOnce(pid),
    peekExited(): number {
      for (;;) {
        // waitid leaves si_pid untouched when no child is ready; clear it so 0 means none.
        siginfo.fill(0);
        if (libc.waitid(P_ALL, 0, siginfo, WEXITED | WNOHANG | WNOWAIT) === 0) {
          return siginfo.readInt32LE(SIGINFO_PID_OFFSET);
        }
        const errno = libc.errno();
        if (errno !== EINTR) return errno === ECHILD ? -1 : 0;
      }
    },
    kill(pid, signal): KillResult {
      if (libc.kill(pid, signal) === 0) return 'sent';
      const errno = libc.errno();
      if (errno === ESRCH) return 'gone';
      if (errno === EPERM) return 'denied';
      return 'invalid';
    },
    becomeSubreaper: () => (libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0 ? 0 : libc.errno()),
    maskInThisThread(block, unblock): number {
      const sets = [block, unblock].map((signals) => {
        const set = Buffer.alloc(SIGSET_BYTES);
        libc.sigemptyset(set);
        for (const signal of signals) libc.sigaddset(set, signal);
        return set;
      });
      return libc.pthread_sigmask(SIG_BLOCK, sets[0], null) || libc.pthread_sigmask(SIG_UNBLOCK, sets[1], null);
    },
    setProcessName: (name) => { libc.prctlString(PR_SET_NAME, name.slice(0, 15), 0, 0, 0); },
    setParentDeathSignal: (signal) => (libc.prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0) === 0 ? 0 : libc.errno()),
    setInheritable: (fd) => (libc.fcntl(fd, F_SETFD, 'int', 0) === 0 ? 0 : libc.errno()),
    isatty: (fd) => libc.isatty(fd) === 1,
    foregroundGroup: (fd) => libc.tcgetpgrp(fd),
    canSpawnInForeground: libc.posix_spawn_file_actions_addtcsetpgrp_np !== null,
    setForegroundGroup: (fd, pgrp) => (libc.tcsetpgrp(fd, pgrp) === 0 ? 0 : libc.errno()),
    readEnviron: () => readEnviron(libc.koffi, libc.program, libc.strlen),
    readCmdline: () => procStrings('/proc/self/cmdline'),
    guessInheritedDescriptors: inheritedDescriptors,
    execve(file, argv, env): number {
      libc.execve(cString(file), [...argv.map(cString), null], [...env.map(cString), null]);
      return libc.errno();
    },
    exitNow(code): never {
      try {
        process.emit('exit', code);
      } catch {
        // an exit listener failed: exit all the same
      }
      libc._exit(code);
      return process.exit(code); // not reached
    },
    dropCleanFilePages: () => dropCleanFilePages(libc),
    // libuv's message is a pointer and an int, padded: 16 bytes.
    enlargeSignalQueue: () => enlargeSignalPipes(libc) / 16,
    realtimeRange: { min: libc.sigrtmin(), max: libc.sigrtmax() },
    pipe(): PipeResult {
      const fds = [-1, -1];
      if (libc.services().pipe2(fds, O_CLOEXEC) === 0) return { ok: true, read: fds[0]!, write: fds[1]! };
      const errno = libc.errno();
      return { ok: false, errno, code: errnoName(errno) };
    },
    sendNoWait(fd, data) {
      for (;;) {
        const sent = Number(libc.services().send(fd, data, data.length, MSG_DONTWAIT | MSG_NOSIGNAL));
        if (sent >= 0) return sent;
        const errno = libc.errno();
        if (errno === EINTR) continue;
        return errno === EAGAIN ? 0 : -1;
      }
    },
    get canSpawnWithCwd() {
      return libc.services().posix_spawn_file_actions_addchdir_np !== null;
    },
  };
}
