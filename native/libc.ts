// Loads the C library through koffi and declares the handful of functions the init calls.
import type { LibraryHandle } from 'koffi';

// Required when first used, not at import: a missing or broken koffi is then an error main can
// turn into one line, instead of a stack trace from module loading.
const loadKoffi = () => require('koffi') as typeof import('koffi');

type Fn = (...args: any[]) => any;

export interface Libc {
  getpid: Fn; getpgrp: Fn; fcntl: Fn; kill: Fn; waitpid: Fn; waitid: Fn; prctl: Fn; prctlString: Fn; isatty: Fn;
  tcgetpgrp: Fn; tcsetpgrp: Fn;
  sigemptyset: Fn; sigfillset: Fn; sigaddset: Fn; pthread_sigmask: Fn;
  posix_spawnp: Fn;
  posix_spawnattr_init: Fn; posix_spawnattr_destroy: Fn; posix_spawnattr_setflags: Fn;
  posix_spawnattr_setpgroup: Fn; posix_spawnattr_setsigdefault: Fn; posix_spawnattr_setsigmask: Fn;
  posix_spawn_file_actions_init: Fn; posix_spawn_file_actions_destroy: Fn;
  /** glibc >= 2.35 only; null where the libc lacks it (musl, older glibc). */
  posix_spawn_file_actions_addtcsetpgrp_np: Fn | null;
  strlen: Fn; execve: Fn; sigaction: Fn; _exit: Fn; madvise: Fn;
  /** The running program's own symbols (environ lives there). */
  program: LibraryHandle;
  koffi: typeof import('koffi');
  sigrtmin: () => number; sigrtmax: () => number;
  errno: () => number;
  /** Declared on first use: only a config's services need them, and `-- cmd` must not pay. */
  services(): ServiceLibc;
}

/** What running services needs beyond a single child: pipes, fixed descriptors, a cwd. */
export interface ServiceLibc {
  pipe2: Fn;
  send: Fn;
  posix_spawn_file_actions_adddup2: Fn;
  /** glibc >= 2.29 and musl >= 1.1.24; null where the libc lacks it. */
  posix_spawn_file_actions_addchdir_np: Fn | null;
}

const MUSL_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' };

function openLibc(koffi: typeof import('koffi')): LibraryHandle {
  const candidates = ['libc.so.6', `/lib/ld-musl-${MUSL_ARCH[process.arch] ?? process.arch}.so.1`];
  for (const name of candidates) {
    try {
      return koffi.load(name);
    } catch {
      // try the next libc
    }
  }
  throw new Error(`cannot load the C library (tried ${candidates.join(', ')})`);
}

function optional(lib: LibraryHandle, prototype: string): Fn | null {
  try {
    return lib.func(prototype);
  } catch {
    return null;
  }
}

export function loadLibc(): Libc {
  const koffi = loadKoffi();
  const lib = openLibc(koffi);
  const f = (prototype: string): Fn => lib.func(prototype);
  // SIGRTMIN is a function call in both libcs: glibc keeps 32-33 for itself, musl 32-34.
  const rtmin = optional(lib, 'int __libc_current_sigrtmin()');
  const rtmax = optional(lib, 'int __libc_current_sigrtmax()');
  let services: ServiceLibc | null = null;
  return {
    getpid: f('int getpid()'),
    getpgrp: f('int getpgrp()'),
    fcntl: f('int fcntl(int fd, int cmd, ...)'),
    kill: f('int kill(int pid, int sig)'),
    waitpid: f('int waitpid(int pid, _Out_ int *status, int options)'),
    waitid: f('int waitid(int idtype, int id, _Out_ uint8_t *info, int options)'),
    prctl: f('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)'),
    prctlString: f('int prctl(int option, const char *arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)'),
    isatty: f('int isatty(int fd)'),
    tcgetpgrp: f('int tcgetpgrp(int fd)'),
    tcsetpgrp: f('int tcsetpgrp(int fd, int pgrp)'),
    sigemptyset: f('int sigemptyset(void *set)'),
    sigfillset: f('int sigfillset(void *set)'),
    sigaddset: f('int sigaddset(void *set, int signum)'),
    pthread_sigmask: f('int pthread_sigmask(int how, const void *set, void *oldset)'),
    // argv and envp as NUL-terminated Buffers: bytes pass unchanged, where strings would be UTF-8.
    posix_spawnp: f('int posix_spawnp(_Out_ int *pid, const void *file, void *actions, void *attr, void **argv, void **envp)'),
    execve: f('int execve(const void *file, void **argv, void **envp)'),
    strlen: f('size_t strlen(const void *s)'),
    _exit: f('void _exit(int status)'),
    madvise: f('int madvise(uintptr_t addr, size_t length, int advice)'),
    sigaction: f('int sigaction(int signum, const void *act, void *oldact)'),
    program: koffi.load(null),
    koffi,
    posix_spawnattr_init: f('int posix_spawnattr_init(void *attr)'),
    posix_spawnattr_destroy: f('int posix_spawnattr_destroy(void *attr)'),
    posix_spawnattr_setflags: f('int posix_spawnattr_setflags(void *attr, short flags)'),
    posix_spawnattr_setpgroup: f('int posix_spawnattr_setpgroup(void *attr, int pgroup)'),
    posix_spawnattr_setsigdefault: f('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    posix_spawnattr_setsigmask: f('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    posix_spawn_file_actions_init: f('int posix_spawn_file_actions_init(void *actions)'),
    posix_spawn_file_actions_destroy: f('int posix_spawn_file_actions_destroy(void *actions)'),
    posix_spawn_file_actions_addtcsetpgrp_np: optional(lib, 'int posix_spawn_file_actions_addtcsetpgrp_np(void *actions, int fd)'),
    sigrtmin: () => (rtmin ? rtmin() : 34),
    sigrtmax: () => (rtmax ? rtmax() : 64),
    errno: () => koffi.errno(),
    services: () => (services ??= {
      pipe2: f('int pipe2(_Out_ int *fds, int flags)'),
      send: f('long send(int fd, const uint8_t *buf, unsigned long len, int flags)'),
      posix_spawn_file_actions_adddup2: f('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
      posix_spawn_file_actions_addchdir_np: optional(lib, 'int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
    }),
  };
}
