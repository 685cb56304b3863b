// End-to-end helper: real OCI containers started with runc, the runtime Docker, containerd,
// Kubernetes and Podman call. `runc run` (foreground) is `docker run`, `runc kill` is
// `docker stop`/`docker kill`, `runc exec` is `docker exec`, and the foreground runc's exit
// status is the container's exit code (128+N when its PID 1 died of signal N).
//
// Each container gets a bundle in a temp dir: a read-only rootfs that bind-mounts the host's
// system folders (so any host program runs, node and python3 included), the project at
// /opt/procinit (read-only, so the container runs this checkout's bin/procinit), and a writable
// /shared where fixtures report through files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync,
  realpathSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { ROOT, isCI, listProcesses, requireTools, tempDir, waitFor, type ProcInfo } from '../helpers/procs.js';
import { worldReadableCheckout } from '../helpers/world-readable.js';

/** runc's state directory for this suite: `runc --root /run/procinit-e2e list` shows leftovers. */
export const RUNC_ROOT = '/run/procinit-e2e';
/** Where the project is mounted inside every container. */
export const PROJECT = '/opt/procinit';
export const PROCINIT = `${PROJECT}/bin/procinit`;
/** The e2e fixtures, as seen from inside the container. */
export const FIXTURES = `${PROJECT}/test/e2e/fixtures`;
/** The writable folder shared with the host. */
export const SHARED = '/shared';

const SYSTEM_DIRS = ['/usr', '/lib', '/lib64', '/bin', '/sbin', '/etc'];
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Mount { source: string; destination: string; readonly?: boolean }

export interface ContainerOptions {
  /** The container's process: what `docker run` would run as PID 1. */
  args: string[];
  /** Extra environment, `NAME=value`. */
  env?: string[];
  cwd?: string;
  /** `linux.resources.pids.limit`: `docker run --pids-limit`. */
  pidsLimit?: number;
  /** `linux.resources.memory.limit` in bytes, swap included: `docker run --memory X --memory-swap X`. */
  memoryLimit?: number;
  /** No cgroup file system inside (runc's spec mounts one at /sys/fs/cgroup): no cgroup to read. */
  withoutCgroupMount?: boolean;
  mounts?: Mount[];
  /** Directories put first on PATH inside the container. */
  path?: string[];
  user?: { uid: number; gid: number };
  /** Symbolic links made in the (read-only) rootfs: container path -> target. */
  symlinks?: Record<string, string>;
}

function runcArgs(...args: string[]): string[] {
  return ['--root', RUNC_ROOT, ...args];
}

function runcSync(args: string[], timeoutMs = 15_000) {
  const result = spawnSync('runc', runcArgs(...args), { encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

/** Host folders the container needs beyond the system ones: node's own, when it lives elsewhere. */
function nodeInstall(): { mount?: Mount; binDir: string } {
  const node = realpathSync(process.execPath);
  const binDir = dirname(node);
  if (SYSTEM_DIRS.some((d) => binDir === d || binDir.startsWith(`${d}/`))) return { binDir };
  const prefix = dirname(binDir);
  return { mount: { source: prefix, destination: prefix, readonly: true }, binDir };
}

let counter = 0;
const live = new Set<Container>();

export class Container {
  readonly id: string;
  readonly bundle: string;
  /** Host path of the container's /shared. */
  readonly shared: string;
  private runc: ChildProcess | null = null;
  /** The container's exit code, as the foreground `runc run` reports it. */
  exited: Promise<number> | null = null;
  private exitCode: number | null = null;

  constructor(private readonly options: ContainerOptions) {
    this.id = `procinit-e2e-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
    this.bundle = tempDir('procinit-e2e-');
    this.shared = join(this.bundle, 'shared');
    mkdirSync(this.shared);
    chmodSync(this.shared, 0o777);
    this.writeBundle();
    live.add(this);
  }

  private writeBundle(): void {
    const rootfs = join(this.bundle, 'rootfs');
    mkdirSync(rootfs);
    const spec = runcSync(['spec', '--bundle', this.bundle]);
    if (spec.code !== 0) throw new Error(`runc spec failed: ${spec.stderr}`);
    const config = JSON.parse(readFileSync(join(this.bundle, 'config.json'), 'utf8'));
    const o = this.options;
    const node = nodeInstall();
    const bind = (m: Mount) => ({
      destination: m.destination, type: 'bind', source: m.source,
      options: ['rbind', m.readonly === false ? 'rw' : 'ro', 'nosuid', 'nodev'],
    });
    const mounts: Mount[] = [];
    for (const dir of SYSTEM_DIRS) {
      if (!existsSync(dir)) continue;
      // A merged-/usr host has /bin -> usr/bin: mirror the link instead of mounting it twice.
      if (lstatSync(dir).isSymbolicLink()) symlinkSync(readlinkSync(dir), join(rootfs, dir));
      else mounts.push({ source: dir, destination: dir });
    }
    if (node.mount) mounts.push(node.mount);
    // The checkout itself may be mode 0700 (a clone under /root): the container's user must enter it.
    mounts.push({ source: worldReadableCheckout(), destination: PROJECT });
    mounts.push({ source: this.shared, destination: SHARED, readonly: false });
    mounts.push(...(o.mounts ?? []));
    // Mount points must exist in a read-only rootfs (runc makes those under /dev, a tmpfs, itself).
    for (const m of mounts) if (!m.destination.startsWith('/dev/')) mkdirSync(join(rootfs, m.destination), { recursive: true });
    for (const dir of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(rootfs, dir), { recursive: true });
    for (const [path, target] of Object.entries(o.symlinks ?? {})) {
      mkdirSync(dirname(join(rootfs, path)), { recursive: true });
      symlinkSync(target, join(rootfs, path));
    }

    config.process.terminal = false;
    config.process.args = o.args;
    config.process.cwd = o.cwd ?? '/';
    if (o.user) config.process.user = { uid: o.user.uid, gid: o.user.gid };
    const path = [...(o.path ?? []), ...(node.mount ? [node.binDir] : []), BASE_PATH].join(':');
    config.process.env = [`PATH=${path}`, 'HOME=/root', ...(o.env ?? [])];
    config.hostname = 'e2e';
    config.mounts.push(...mounts.map(bind), {
      destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=16m'],
    });
    // pid, mount, ipc, uts and network namespaces, as `runc spec` has them: a network namespace
    // with only loopback up, which is all these tests need.
    if (o.pidsLimit !== undefined) config.linux.resources.pids = { limit: o.pidsLimit };
    if (o.memoryLimit !== undefined) config.linux.resources.memory = { limit: o.memoryLimit, swap: o.memoryLimit };
    if (o.withoutCgroupMount) config.mounts = config.mounts.filter((m: { type: string }) => m.type !== 'cgroup');
    writeFileSync(join(this.bundle, 'config.json'), JSON.stringify(config, null, 2));
  }

  /** `docker run`: the foreground runc, its stdio to files; resolves with the container's exit code. */
  start(): this {
    const out = openSync(join(this.bundle, 'stdout.log'), 'w');
    const err = openSync(join(this.bundle, 'stderr.log'), 'w');
    try {
      this.runc = spawn('runc', runcArgs('run', '--bundle', this.bundle, this.id), { stdio: ['ignore', out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.exited = new Promise((resolve, reject) => {
      this.runc!.on('error', reject);
      this.runc!.on('close', (code, signal) => {
        this.exitCode = code ?? 128 + (constants.signals as Record<string, number>)[signal!]!;
        resolve(this.exitCode);
      });
    });
    return this;
  }

  /** The container's output so far (stdout, stderr), for failure messages. */
  output(): string {
    const read = (name: string) => {
      const path = join(this.bundle, name);
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    };
    return `--- stdout\n${read('stdout.log')}--- stderr\n${read('stderr.log')}`;
  }

  /** The container's exit code, within a bounded wait. */
  async exitCodeWithin(timeoutMs: number): Promise<number> {
    if (!this.exited) throw new Error('container not started');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `container ${this.id} still running after ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get hasExited(): boolean {
    return this.exitCode !== null;
  }

  /** `runc state`: status and the host pid of the container's PID 1. */
  state(): { status: string; pid: number } | null {
    const r = runcSync(['state', this.id]);
    if (r.code !== 0) return null;
    const s = JSON.parse(r.stdout);
    return { status: s.status, pid: s.pid };
  }

  /** Waits until the container runs; returns the host pid of its PID 1. */
  async running(timeoutMs = 10_000): Promise<number> {
    return waitFor(() => {
      if (this.hasExited) throw new Error(`container exited with ${this.exitCode} before running\n${this.output()}`);
      const s = this.state();
      return s?.status === 'running' ? s.pid : undefined;
    }, `container ${this.id} to run`, timeoutMs);
  }

  /** Waits for a file the app writes into /shared; returns its content. */
  async waitForFile(name: string, timeoutMs = 10_000): Promise<string> {
    const path = join(this.shared, name);
    return waitFor(() => {
      if (existsSync(path)) return readFileSync(path, 'utf8') || ' ';
      if (this.hasExited) throw new Error(`container exited with ${this.exitCode} before writing ${name}\n${this.output()}`);
      return undefined;
    }, `${name} in ${this.id}'s /shared`, timeoutMs).then((s) => (s === ' ' ? '' : s));
  }

  sharedFile(name: string): string | null {
    const path = join(this.shared, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  }

  /** `docker kill -s SIGNAL` (`docker stop` is TERM): the signal goes to the container's PID 1. */
  kill(signal: string): void {
    const r = runcSync(['kill', this.id, signal]);
    if (r.code !== 0) throw new Error(`runc kill ${this.id} ${signal} failed: ${r.stderr}`);
  }

  /** `docker exec`: runs argv inside the container and waits for it. */
  exec(argv: string[], timeoutMs = 15_000): { code: number; stdout: string; stderr: string } {
    return runcSync(['exec', this.id, ...argv], timeoutMs);
  }

  /** The container's processes seen from the host, as children of its PID 1 (pids are host pids). */
  childrenOfInit(initPid: number): ProcInfo[] {
    return listProcesses().filter((p) => p.ppid === initPid);
  }

  /** Always safe: kills and deletes the container, waits for the foreground runc, removes the bundle. */
  async destroy(): Promise<void> {
    live.delete(this);
    runcSync(['delete', '--force', this.id]);
    if (this.runc && !this.hasExited) {
      try {
        await this.exitCodeWithin(5_000);
      } catch {
        this.runc.kill('SIGKILL');
      }
    }
    rmSync(this.bundle, { recursive: true, force: true });
  }
}

/** Creates and starts a container; it is deleted after the current test whatever happens. */
export function startContainer(options: ContainerOptions): Container {
  return new Container(options).start();
}

/** Registers cleanup for every container a test file starts (call once at the top of the file). */
export function cleanUpContainers(): void {
  afterEach(async () => {
    await Promise.all([...live].map((c) => c.destroy()));
  });
}

/** Deletes containers left by test processes that died before their cleanup ran (never a live one's). */
function sweepLeftovers(): void {
  const list = runcSync(['list', '--quiet']);
  for (const id of list.stdout.split('\n')) {
    const owner = /^procinit-e2e-(\d+)-/.exec(id)?.[1];
    if (owner === undefined || existsSync(`/proc/${owner}`)) continue;
    runcSync(['delete', '--force', id]);
  }
}

let readiness: boolean | null = null;

/**
 * Whether runc can start a container here: the tool, root, and a smoke container that exits 0.
 * Under CI=true any of those missing is an error (the file fails); elsewhere it warns and the
 * suite skips.
 */
export function runcReady(): boolean {
  if (readiness !== null) return readiness;
  readiness = false;
  if (!requireTools('runc', 'python3')) return false;
  const fail = (why: string): boolean => {
    if (isCI) throw new Error(`CI=true and runc cannot start a container: ${why}`);
    console.warn(`skipping the runc e2e suite: ${why}`);
    return false;
  };
  if (process.getuid?.() !== 0) return fail('runc needs root here (rootless runc is not set up)');
  if (!existsSync(join(ROOT, 'dist/procinit.js'))) return fail('dist/procinit.js is missing; run npm run build');
  mkdirSync(RUNC_ROOT, { recursive: true });
  sweepLeftovers();
  const smoke = new Container({ args: ['sh', '-c', `test -x ${PROCINIT} && node -e 0 && python3 -c 0 && exit 7`] });
  try {
    const r = runcSync(['run', '--bundle', smoke.bundle, smoke.id], 30_000);
    if (r.code !== 7) return fail(`a smoke container exited ${r.code}, not 7: ${r.stderr.trim()}`);
  } finally {
    live.delete(smoke);
    runcSync(['delete', '--force', smoke.id]);
    rmSync(smoke.bundle, { recursive: true, force: true });
  }
  readiness = true;
  return true;
}
