// For the integration tests of issue 2: one test body run over procinit and tini (the reference),
// as PID 1 of a fresh PID namespace and as a plain subreaper, with cleanup of whatever a failing
// test leaves running.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  DUMB_INIT_INIT, FIXTURES, type Init, MODES, type Mode, PROCINIT_INIT, type Started, TINI_INIT, descendantsOf, findInitPid,
  hasCommand, inMode, readIfExists, requireTools, start, waitFor,
} from './procs.js';

export const RECORDER = join(FIXTURES, 'record-signals.py');
/**
 * The Python interpreter itself: a `python3` on PATH may be a shim (pyenv's is a bash script)
 * that edits the environment and adds tens of milliseconds to every start.
 */
export const PYTHON = hasCommand('python3')
  ? spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim() || 'python3'
  : 'python3';
export const INITS: Init[] = [PROCINIT_INIT, TINI_INIT];

/** Every (init, mode) pair, for describe.each. */
export function casesOver(inits: Init[]): [string, Init, Mode][] {
  return inits.flatMap((init) => MODES.map((mode): [string, Init, Mode] => [`${init.name} as ${mode}`, init, mode]));
}
export const CASES = casesOver(INITS);
/** procinit beside both references, for what dumb-init's users expect as well. */
export const CASES_WITH_DUMB_INIT = casesOver([...INITS, DUMB_INIT_INIT]);

/** The reference inits, each a command of its name; every other Init is a way to start procinit. */
const REFERENCES = ['tini', 'dumb-init'];

/**
 * Whether the case can run here: under CI=true a missing tool throws, so the file fails instead
 * of skipping. Checked once per tool so a skip reason is printed once.
 */
const checked = new Map<string, boolean>();
export function canRun(init: Init, mode: Mode, ...extra: string[]): boolean {
  const tools = [...extra, ...(REFERENCES.includes(init.name) ? [init.name] : []), ...(mode === 'pid1' ? ['unshare'] : [])];
  return tools.every((tool) => {
    if (!checked.has(tool)) checked.set(tool, requireTools(tool));
    return checked.get(tool)!;
  });
}

/**
 * The init's command line with `options` before its `--`, wrapped for the mode. `prefix` runs
 * first inside the namespace and must exec the rest (`sh -c 'cd /x && exec "$@"' sh`).
 */
export function initCommand(init: Init, mode: Mode, options: string[], command: string[], prefix: string[] = []): string[] {
  const argv = init.argv(mode);
  const dashes = argv.lastIndexOf('--');
  return inMode(mode, [...prefix, ...argv.slice(0, dashes), ...options, '--', ...command]);
}

export const initComm = (init: Init) => (REFERENCES.includes(init.name) ? init.name : 'procinit');

/** Launched inits, and pids a test asks to be killed at the end, whatever happens. */
const launched: Started[] = [];
const extraPids = new Set<number>();

export function killAtEnd(pid: number): void {
  extraPids.add(pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

afterEach(async () => {
  for (const run of launched.splice(0)) {
    if (run.proc.exitCode !== null || run.proc.signalCode !== null) continue;
    const pid = run.proc.pid!;
    for (const p of descendantsOf(pid)) killQuietly(p.pid);
    killQuietly(pid);
    await run.done.catch(() => undefined);
  }
  for (const pid of extraPids) killQuietly(pid);
  extraPids.clear();
});

export interface Launch extends Started {
  /** The host pid of the init itself (in pid1 mode the child of `unshare`). */
  initPid(): Promise<number>;
}

export function launch(init: Init, mode: Mode, options: string[], command: string[],
  extra: { env?: NodeJS.ProcessEnv; stdio?: any[]; prefix?: string[] } = {}): Launch {
  const started = start(initCommand(init, mode, options, command, extra.prefix), extra);
  launched.push(started);
  let pid: Promise<number> | null = null;
  return {
    ...started,
    initPid: () => (pid ??= findInitPid(started.proc.pid!, initComm(init))),
  };
}

/** The signal recorder fixture writing to `file`: its argv, and readers for what it saw. */
export function recorder(file: string, ...flags: string[]) {
  return {
    argv: ['python3', RECORDER, file, ...flags],
    file,
    /** Resolves with the recorder's pid (as seen in its own namespace) once it listens. */
    ready: () => waitFor(() => Number(readIfExists(`${file}.ready`)) || undefined, `the recorder ${file} to listen`),
    signals: (): number[] => readIfExists(file).split('\n').filter(Boolean).map(Number),
    waitForCount: (n: number, what: string) =>
      waitFor(() => readIfExists(file).split('\n').filter(Boolean).length >= n || undefined, what),
  };
}

/** Sends a signal by number (Node's names stop at 31); ESRCH is an error here. */
export function signal(pid: number, sig: number | NodeJS.Signals): void {
  process.kill(pid, sig);
}

/** TCP ports in LISTEN state on this host (the tests share the network namespace). */
export function listeningSockets(): { port: number; inode: number }[] {
  const out: { port: number; inode: number }[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      out.push({ port: parseInt(cols[1]!.split(':')[1]!, 16), inode: Number(cols[9]) });
    }
  }
  return out;
}

/** The socket inodes a process holds open. */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** /proc/<pid>/status as a map, or undefined if the process is gone. */
export function procStatus(pid: number): Record<string, string> | undefined {
  try {
    const out: Record<string, string> = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  } catch {
    return undefined;
  }
}

/** The NUL-separated strings of /proc/<pid>/cmdline or environ. */
export function procStrings(pid: number, file: 'cmdline' | 'environ'): string[] {
  return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
}
