// Linux constants shared by x86_64 and arm64 (asm-generic), the architectures koffi ships for.
export const WNOHANG = 1;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;
export const P_ALL = 0;
/** siginfo_t is 128 bytes; si_pid sits at offset 16 on 64-bit Linux. */
export const SIGINFO_BYTES = 128;
export const SIGINFO_PID_OFFSET = 16;
export const PR_SET_PDEATHSIG = 1;
export const F_SETFD = 2;
export const F_DUPFD_CLOEXEC = 1030;
export const O_CLOEXEC = 0o2000000;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const EAGAIN = 11;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_SET_NAME = 15;

export const POSIX_SPAWN_SETPGROUP = 0x02;
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;

export const EINTR = 4;
export const ESRCH = 3;
export const EPERM = 1;
export const ECHILD = 10;
export const ENOSYS = 38;

// glibc's posix_spawnattr_t is 336 bytes and its file actions 80, musl's are smaller; sigset_t
// is 128 bytes in both. Over-allocating costs nothing and survives a libc that grows them.
export const SPAWNATTR_BYTES = 1024;
export const FILE_ACTIONS_BYTES = 512;
export const SIGSET_BYTES = 128;

/** Names for the errno values a spawn or a syscall here can report. */
export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 7: 'E2BIG', 8: 'ENOEXEC', 10: 'ECHILD',
  11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL',
  24: 'EMFILE', 25: 'ENOTTY', 26: 'ETXTBSY', 36: 'ENAMETOOLONG', 38: 'ENOSYS', 40: 'ELOOP',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
