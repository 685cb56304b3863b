// Reading /proc: names and states of processes, for logs and for finding what is left.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ProcessInfo { pid: number; ppid: number; state: string; name: string; pgid: number }

/** The kernel's short command name (comm), or '?' once the process is gone. */
export function commandNameOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd();
  } catch {
    return '?';
  }
}

/**
 * Splits /proc/<pid>/stat into the command name and the fields after it: fields[0] is field 3 of
 * stat(5) (the state). The name is in parentheses and may itself hold spaces or ')'.
 */
export function splitStat(stat: string): { comm: string; fields: string[] } {
  const close = stat.lastIndexOf(')');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).trimEnd().split(' ') };
}

/** What Node 24 and 26 rename their main thread to; a process's comm follows its main thread. */
const NODE_THREAD_NAMES = new Set(['MainThread', 'node-MainThread']);

/**
 * The name people know a process by: the kernel's comm, except where Node renamed it; then the
 * program's file name from argv[0] (a zombie has no argv left, and keeps the thread name).
 */
export function programNameOf(pid: number, comm: string): string {
  if (!NODE_THREAD_NAMES.has(comm)) return comm;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    const argv0 = cmdline.slice(0, cmdline.indexOf('\0') >>> 0);
    const name = argv0.slice(argv0.lastIndexOf('/') + 1);
    return name === '' ? comm : Buffer.from(name, 'latin1').toString('utf8');
  } catch {
    return comm;
  }
}

export function parseStat(pid: number, stat: string): ProcessInfo {
  const { comm, fields } = splitStat(stat);
  return { pid, name: comm, state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const info = parseStat(Number(entry), readFileSync(`/proc/${entry}/stat`, 'utf8'));
      out.push(info.state === 'Z' ? info : { ...info, name: programNameOf(info.pid, info.name) });
    } catch {
      // exited between readdir and read
    }
  }
  return out;
}

/** Whether /proc shows this process's own PID namespace; if not, its pids are not ours to signal. */
export function procMatchesSelf(pid: number): boolean {
  try {
    return readlinkSync('/proc/self') === String(pid);
  } catch {
    return false;
  }
}

/** Every process whose chain of parents leads to `root`, root excluded. */
export function descendantsOf(root: number, processes: ProcessInfo[]): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of processes) {
    const siblings = byParent.get(p.ppid);
    if (siblings) siblings.push(p);
    else byParent.set(p.ppid, [p]);
  }
  const out: ProcessInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}
