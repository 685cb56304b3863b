// Shared by the integration tests: start the built procinit (or a reference init) for real,
// in a fresh PID namespace or as a plain subreaper, and watch what happens through files and /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PROCINIT = join(ROOT, 'bin/procinit');
export const FIXTURES = join(ROOT, 'test/fixtures');
export const isCI = process.env.CI === 'true';

export type Mode = 'pid1' | 'subreaper';
export const MODES: Mode[] = ['pid1', 'subreaper'];

/** The inits under test: procinit, and tini as the reference where it is installed. */
export interface Init { name: string; argv(mode: Mode): string[] }
export const PROCINIT_INIT: Init = { name: 'procinit', argv: () => [PROCINIT, '--'] };
export const TINI_INIT: Init = {
  name: 'tini',
  argv: (mode) => (mode === 'subreaper' ? ['tini', '-s', '--'] : ['tini', '--']),
};

/**
 * dumb-init, the other reference, with its defaults (a new session for the child, signals to the
 * child's whole group). It has no subreaper mode: in the "subreaper" cases it is simply not PID 1.
 */
export const DUMB_INIT_INIT: Init = { name: 'dumb-init', argv: () => ['dumb-init', '--'] };

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/**
 * Tests that need a tool: in CI a missing tool is a failure (a skip there hides the very bugs
 * the suite exists for); elsewhere the reason is printed and the test skips.
 */
export function requireTools(...names: string[]): boolean {
  const missing = names.filter((n) => !hasCommand(n));
  if (missing.length === 0) return true;
  const why = `missing ${missing.join(', ')} (apt-get install ${missing.join(' ')})`;
  if (isCI) throw new Error(`CI=true and ${why}`);
  console.warn(`skipping: ${why}`);
  return false;
}

export function tempDir(prefix = 'procinit-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Wraps argv so it runs as PID 1 of a new PID namespace (with its own /proc) or unchanged. */
export function inMode(mode: Mode, argv: string[]): string[] {
  return mode === 'pid1' ? ['unshare', '--pid', '--fork', '--mount-proc', ...argv] : argv;
}

export interface Started {
  proc: ChildProcess;
  /** Resolves with the exit code (128+N for a signal, as a shell reports it) and the output. */
  done: Promise<{ code: number; stdout: string; stderr: string; ms: number }>;
}

export function start(argv: string[], options: { env?: NodeJS.ProcessEnv; stdio?: any[] } = {}): Started {
  const began = performance.now();
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: options.env ?? process.env,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d) => { stdout += d; });
  proc.stderr?.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((res, rej) => {
    proc.on('error', rej);
    proc.on('close', (code, signal) => {
      const sigNum = signal ? (constants.signals as Record<string, number>)[signal]! : 0;
      res({ code: code ?? 128 + sigNum, stdout, stderr, ms: performance.now() - began });
    });
  });
  return { proc, done };
}

export async function run(argv: string[], options: { env?: NodeJS.ProcessEnv; stdio?: any[] } = {}) {
  return start(argv, options).done;
}

/** Polls until check() returns a truthy value or the time runs out (then throws with `what`). */
/**
 * Polls every `intervalMs`. A metrics endpoint is polled at 250 ms: procinit renders its text at
 * most once a second, and refuses a client over 20 connections a second (polling every 10 ms did).
 */
export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string, timeoutMs = 10_000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export interface ProcInfo { pid: number; ppid: number; pgid: number; state: string; comm: string }

/** Every process visible in /proc, from /proc/<pid>/stat. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.push({ pid: Number(entry), state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), comm });
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** The pid of the procinit (node) process started under `launcher` (itself, or unshare's child). */
export async function findInitPid(launcherPid: number, comm: string | RegExp = /^(procinit|tini)$/): Promise<number> {
  return waitFor(() => {
    const all = listProcesses();
    const matches = (p: ProcInfo) => (typeof comm === 'string' ? p.comm === comm : comm.test(p.comm));
    const self = all.find((p) => p.pid === launcherPid && matches(p));
    if (self) return self.pid;
    return all.find((p) => p.ppid === launcherPid && matches(p))?.pid;
  }, `the init process under pid ${launcherPid}`);
}

/**
 * The init's pid while it may still be starting: the launched process itself, or (PID 1 of a
 * namespace) unshare's first child, whatever it runs yet; undefined before unshare has forked.
 */
export function initTarget(launcherPid: number, pid1: boolean): number | undefined {
  if (!pid1) return launcherPid;
  try {
    const children = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8').trim();
    return children ? Number(children.split(' ')[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Direct children of pid, and descendants of those. */
export function descendantsOf(pid: number): ProcInfo[] {
  const all = listProcesses();
  const out: ProcInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of all) if (p.ppid === parent) { out.push(p); queue.push(p.pid); }
  }
  return out;
}
