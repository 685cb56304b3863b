// The probe's view of one PID namespace from outside it: PID 1's host pid, and everything below
// it, read from /proc/<pid>/task/<tid>/children (cheap: only the namespace's own processes are
// read, never the whole host's /proc). Every process in a namespace descends from its PID 1.
import { readFileSync, readdirSync } from 'node:fs';
import { decodeWaitStatus as decodeExitStatus } from '../../native/wait-status.js';
import { programNameOf, splitStat } from '../core/proc.js';

export interface Proc {
  /** Host pid. */
  pid: number;
  ppid: number;
  /** R, S, D, T, Z, X ... as in /proc/<pid>/stat. */
  state: string;
  comm: string;
  /** Start time in clock ticks since boot: with pid, it names a process even across pid reuse. */
  start: number;
  /** The kernel's PF_* flags of the process (its main thread). */
  flags: number;
  /**
   * The wait(2) status, readable while the process is a zombie (field 52, Linux >= 3.5, and
   * only for a process the reader may ptrace; 0 otherwise).
   */
  waitStatus: number;
}

export const isZombie = (p: Proc): boolean => p.state === 'Z' || p.state === 'X';
/** PF_EXITING: set as exit begins, before a namespace's PID 1 has the kernel kill the rest. */
const PF_EXITING = 0x4;
/** Ended, or ending: its state may still read R or D while exit tears things down. */
export const isEnding = (p: Proc): boolean => isZombie(p) || (p.flags & PF_EXITING) !== 0;
export const sameProcess = (a: Proc, b: Proc): boolean => a.pid === b.pid && a.start === b.start;

/** Parses /proc/<pid>/stat, with the fields the probe needs beyond the init's. */
export function parseStat(pid: number, text: string): Proc {
  const { comm, fields } = splitStat(text);
  // fields[0] is field 3 of stat(5): state; ppid is 4, flags 9, starttime 22, exit_code 52.
  return {
    pid,
    comm,
    state: fields[0]!,
    ppid: Number(fields[1]),
    flags: Number(fields[6]),
    start: Number(fields[19]),
    waitStatus: Number(fields[49] ?? 0),
  };
}

export function readProc(pid: number): Proc | null {
  try {
    const proc = parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return isZombie(proc) ? proc : { ...proc, comm: programNameOf(pid, proc.comm) };
  } catch {
    return null;
  }
}

/** Children of every thread of pid (a child belongs to the thread that forked it). */
export function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    try {
      for (const word of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        if (word !== '') out.push(Number(word));
      }
    } catch {
      // thread or process gone meanwhile
    }
  }
  return out;
}

/** Every process below `root` (root excluded), read breadth first. */
export function descendants(root: number): Proc[] {
  const out: Proc[] = [];
  const queue = [root];
  const seen = new Set<number>([root]);
  while (queue.length > 0) {
    for (const pid of childrenOf(queue.shift()!)) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      const proc = readProc(pid);
      if (!proc) continue;
      out.push(proc);
      queue.push(pid);
    }
  }
  return out;
}

/** How a process ended, decoded from a wait(2) status. */
export type Ending = { exitCode: number; signal: null } | { exitCode: null; signal: number };

export function decodeWaitStatus(status: number): Ending {
  const ended = decodeExitStatus(status);
  return 'exited' in ended ? { exitCode: ended.exited, signal: null } : { exitCode: null, signal: ended.signaled };
}
