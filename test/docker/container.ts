// A container driven the way a user drives one (`docker run -d`, `docker stop`, `docker kill -s`,
// `docker exec`), with a host folder mounted at /shared through which the fixtures report. The
// same class drives Podman. Every container a test file starts is removed after it.
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { listProcesses, waitFor, type ProcInfo } from '../helpers/procs.js';
import { type Engine, type Ran, recordStop, suite } from './engine.js';

export interface RunOptions {
  image?: string;
  /** `--init`: Docker's tini (docker-init), Podman's catatonit, as PID 1. */
  init?: boolean;
  /** Options before the image: `--pids-limit 64`, `--read-only`, `-e X=y`. */
  options?: string[];
  /** The command after the image (replaces CMD). */
  command?: string[];
}

let counter = 0;
const live = new Set<Container>();

export class Container {
  exitCode: number | null = null;
  private pid: number | null = null;

  private constructor(readonly engine: Engine, readonly id: string, readonly shared: string) {}

  /** `docker run -d --network none -v <shared>:/shared ...`; waits for the container to run. */
  static async start(engine: Engine, o: RunOptions = {}): Promise<Container> {
    const shared = mkdtempSync(join(suite.work, 'shared-'));
    chmodSync(shared, 0o777);
    const name = `procinit-test-${process.pid}-${++counter}`;
    const args = ['run', '-d', '--name', name, '--network', 'none', '-v', `${shared}:/shared`,
      ...(o.init ? ['--init'] : []), ...(o.options ?? []), o.image ?? suite.images.fixtures, ...(o.command ?? [])];
    const r = await engine.run(args);
    if (r.code !== 0) throw new Error(`${engine.name} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    const c = new Container(engine, name, shared);
    live.add(c);
    return c;
  }

  /** `docker inspect -f <format>`. */
  async inspect(format: string): Promise<string> {
    return (await this.engine.ok(['inspect', '-f', format, this.id])).trim();
  }

  /** The host pid of the container's PID 1. */
  async hostPid(): Promise<number> {
    this.pid ??= await waitFor(async () => Number(await this.inspect('{{.State.Pid}}')) || undefined, `${this.id} to run`);
    return this.pid;
  }

  /** Waits for a file the fixture writes into /shared; returns its content. */
  async waitForFile(name: string, timeoutMs = 15_000): Promise<string> {
    const path = join(this.shared, name);
    try {
      return await waitFor(() => (existsSync(path) ? readFileSync(path, 'utf8') || ' ' : undefined), `${name} in /shared`, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await this.describe()}`);
    }
  }

  sharedFile(name: string): string | null {
    const path = join(this.shared, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  }

  /** `docker stop [-t N]`, timed from the CLI's start to its return; then the exit code. */
  async stop(timeoutSeconds = 10): Promise<{ ms: number; exit: number }> {
    const r = await this.engine.run(['stop', '-t', String(timeoutSeconds), this.id], { timeoutMs: (timeoutSeconds + 30) * 1000 });
    if (r.code !== 0) throw new Error(`${this.engine.name} stop exited ${r.code}: ${r.stderr}`);
    return { ms: r.ms, exit: await this.exited() };
  }

  /** The exit code, once the container has ended (`docker wait`, bounded). */
  async exited(timeoutMs = 30_000): Promise<number> {
    if (this.exitCode !== null) return this.exitCode;
    const r = await this.engine.run(['wait', this.id], { timeoutMs });
    if (r.code !== 0) throw new Error(`${this.engine.name} wait ${this.id}: exit ${r.code} ${r.stderr}\n${await this.describe()}`);
    this.exitCode = Number(r.stdout.trim().split('\n').pop());
    return this.exitCode;
  }

  async running(): Promise<boolean> {
    return (await this.inspect('{{.State.Running}}')) === 'true';
  }

  /** `docker kill -s SIGNAL`: the runtime signals the container's PID 1. */
  async kill(signal: string): Promise<void> {
    await this.engine.ok(['kill', '-s', signal, this.id]);
  }

  /** `docker exec <id> argv...`. */
  exec(argv: string[], options: string[] = []): Promise<Ran> {
    return this.engine.run(['exec', ...options, this.id, ...argv]);
  }

  /** stdout and stderr of the container so far. */
  async logs(): Promise<string> {
    const r = await this.engine.run(['logs', this.id]);
    return `${r.stdout}${r.stderr}`;
  }

  /** For failure messages: state and logs. */
  async describe(): Promise<string> {
    const state = await this.engine.run(['inspect', '-f', '{{json .State}}', this.id]);
    return `--- ${this.id} state: ${state.stdout.trim()}\n--- logs:\n${await this.logs()}`;
  }

  /** The container's processes that are children of its PID 1, seen from the host. */
  async childrenOfInit(): Promise<ProcInfo[]> {
    const init = await this.hostPid();
    return listProcesses().filter((p) => p.ppid === init);
  }

  async remove(): Promise<void> {
    live.delete(this);
    await this.engine.run(['rm', '-f', '-v', this.id]);
  }
}

/**
 * Removes the containers a test file started once it is done (call once at the top of the file).
 * Per file rather than per test: tests that run side by side (describe.concurrent) share it.
 */
export function cleanUpContainers(): void {
  afterAll(async () => {
    await Promise.all([...live].map((c) => c.remove()));
  });
}

export interface Stopped { c: Container; ms: number; exit: number }

/**
 * Starts every variant, waits until each is ready, then stops them: one at a time, so that no two
 * stops are timed at once, except those expected to wait out Docker's timeout doing nothing,
 * which are stopped in the background meanwhile.
 */
export async function stopSideBySide(scenario: string, variants: [string, () => Promise<Container>][],
  options: { timeout?: number; waits?: (init: string) => boolean } = {}): Promise<Record<string, Stopped>> {
  const timeout = options.timeout ?? 10;
  const waits = options.waits ?? ((init: string) => init === 'none');
  const started = await Promise.all(variants.map(async ([init, start]) => {
    const c = await start();
    await c.waitForFile('ready');
    return [init, c] as const;
  }));
  const stop = async (init: string, c: Container): Promise<[string, Stopped]> => {
    const { ms, exit } = await c.stop(timeout);
    recordStop({ engine: c.engine.name, scenario, init, timeout, ms, exit });
    return [init, { c, ms, exit }];
  };
  const background = Promise.all(started.filter(([init]) => waits(init)).map(([init, c]) => stop(init, c)));
  const results: [string, Stopped][] = [];
  for (const [init, c] of started.filter(([init]) => !waits(init))) results.push(await stop(init, c));
  results.push(...(await background));
  return Object.fromEntries(results);
}
