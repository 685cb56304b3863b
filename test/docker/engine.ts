// The Docker suite's helpers, for test files: the private docker and podman the global set-up
// started (container.ts drives containers on them), readiness, and the run's stop times.
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { isCI } from '../helpers/procs.js';
import type { EngineContext } from './context.js';
import type { Timing } from './setup/timings.js';
import { runHost } from './setup/host.js';
import './context.js';

export const suite = inject('procinitDocker');
/**
 * Where test/docker/fixtures sit in the fixtures image, which also has procinit installed with
 * `npm install --global` (so `procinit` is on PATH, as Dockerfile.example has it).
 */
export const FIXTURES = '/fixtures';

export type EngineName = 'docker' | 'podman';
export interface Ran { code: number; stdout: string; stderr: string; ms: number }

const announced = new Set<EngineName>();
/**
 * Whether the engine runs here. Under CI=true it must: the file fails with the set-up's error.
 * Elsewhere the reason is printed once and the tests skip.
 */
export function engineReady(name: EngineName): boolean {
  const engine = suite[name];
  if (engine.ready) return true;
  if (isCI) throw new Error(`CI=true and ${name} is not ready: ${engine.why}`);
  if (!announced.has(name)) console.warn(`skipping the ${name} tests: ${engine.why}`);
  announced.add(name);
  return false;
}

export class Engine {
  constructor(readonly name: EngineName) {}

  private get ctx(): EngineContext {
    return suite[this.name];
  }

  /** Runs the CLI with args; resolves with its exit code and output (never rejects on a code). */
  run(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<Ran> {
    const [cli, ...globals] = this.ctx.argv;
    return runHost([cli!, ...globals, ...args], {
      env: { ...process.env, ...this.ctx.env }, timeout: options.timeoutMs ?? 60_000, allowFail: true,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
  }

  /** Like run, but a non-zero exit is an error that quotes the CLI's stderr. */
  async ok(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`${this.name} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** `docker build --network none -t tag [-f -] context`, the Dockerfile given or the context's own. */
  async build(tag: string, context: string, dockerfile?: string): Promise<void> {
    const args = ['build', '--network', 'none', '-q', '-t', tag];
    await this.ok(dockerfile === undefined ? [...args, context] : [...args, '-f', '-', context], { input: dockerfile, timeoutMs: 180_000 });
  }
}

export const docker = new Engine('docker');
export const podman = new Engine('podman');

/** Appends one stop time to the run's table (printed at the end; see setup/timings.ts). */
export function recordStop(t: Omit<Timing, 'engine'> & { engine?: EngineName }): void {
  appendFileSync(suite.timings, `${JSON.stringify({ engine: 'docker', ...t })}\n`);
}

/** Whether the process runs that very file (same device and inode), whatever it is called inside. */
export function runsProgram(pid: number, program: string): boolean {
  const exe = statSync(`/proc/${pid}/exe`);
  const file = statSync(program);
  return exe.dev === file.dev && exe.ino === file.ino;
}

/** `docker run --init` starts this (Debian links it to tini-static) as PID 1. */
export const DOCKER_INIT = '/usr/bin/docker-init';

/** A process's argv, from the host. (Node 24 names its main thread MainThread: comm says little.) */
export function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The image's host-side context folder for a `docker build`: a temp dir under the run's work dir. */
export function contextDir(prefix: string): string {
  const dir = mkdtempSync(join(suite.work, `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}
