import type { ExitStatus } from '../../native/api.js';
import { type RealtimeRange, signalName } from './signal-table.js';

/** The shell's convention, and tini's: a death by signal N is 128+N. */
export function exitCodeOf(status: ExitStatus, remappedToZero: ReadonlySet<number> = new Set()): number {
  const code = 'exited' in status ? status.exited : 128 + status.signaled;
  return remappedToZero.has(code) ? 0 : code;
}

/** An exit status as an event's fields: `exitCode`, or `signal` by name. */
export function statusFields(status: ExitStatus, rt: RealtimeRange): Record<string, unknown> {
  return 'exited' in status ? { exitCode: status.exited } : { signal: signalName(status.signaled, rt) };
}

/** Exit codes of procinit itself, before the child runs. */
export const EXIT = {
  /** procinit could not set itself up (libc not loadable, spawn failed for a system reason). */
  INTERNAL: 1,
  /** Bad usage: unknown option, bad value, no command. */
  USAGE: 2,
  /** The command exists but cannot be executed. */
  NOT_EXECUTABLE: 126,
  /** The command was not found. */
  NOT_FOUND: 127,
} as const;

/** 127 for a program that is not there, 126 for one that cannot run: the shell's convention. */
export function exitCodeOfSpawnError(code: string): number {
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return EXIT.NOT_FOUND;
  if (['EACCES', 'ENOEXEC', 'EISDIR', 'ELOOP', 'ETXTBSY', 'EPERM', 'E2BIG'].includes(code)) {
    return EXIT.NOT_EXECUTABLE;
  }
  return EXIT.INTERNAL;
}
