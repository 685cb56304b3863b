// The suite's own container engines, private to one run: a dockerd with its own data root, exec
// root, socket and (empty) daemon.json, and no network set-up (no iptables, no bridge); and
// podman with its own storage and state. Nothing of the machine's Docker or Podman is used or
// touched, and stopping them leaves nothing behind: no process, no mount, no directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHost, which } from './host.js';

export interface DockerEngine {
  /** The docker CLI: Debian's (/usr/bin/docker) when installed. */
  cli: string;
  /** Environment for the CLI and docker-compose: DOCKER_HOST, a private DOCKER_CONFIG, no BuildKit. */
  env: Record<string, string>;
  version: string;
  ms: number;
  stop(): Promise<void>;
}

/** Debian's docker.io client first: /usr/local/bin may hold another one. */
export function dockerCli(): string | null {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker');
}

function tail(file: string, lines = 8): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') : '(no log)';
}

/** A daemon of our own, its output in a log; with --pdeathsig it dies if this process does. */
function daemon(argv: string[], log: string): { child: ChildProcess; exited: () => string | null; gone: Promise<void> } {
  const fd = openSync(log, 'w');
  let child: ChildProcess;
  try {
    child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', ...argv], { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exited: string | null = null;
  child.on('error', (e) => { exited = e.message; });
  const gone = new Promise<void>((resolve) => child.on('close', (code, signal) => {
    exited = signal ?? `exit ${code}`;
    resolve();
  }));
  return { child, exited: () => exited, gone };
}

async function stopDaemon(d: ReturnType<typeof daemon>): Promise<void> {
  if (d.exited() !== null) return;
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 20_000);
  await d.gone;
  clearTimeout(timer);
}

/**
 * Starts containerd and dockerd in `dir` and waits (up to 30 s) until dockerd answers. containerd
 * is started here rather than by dockerd: dockerd would use a system containerd whenever
 * /run/containerd/containerd.sock exists, and share its "moby" namespace with the system's dockerd.
 */
export async function startDockerd(dir: string): Promise<DockerEngine> {
  const began = performance.now();
  const cli = dockerCli();
  if (!which('dockerd') || !which('containerd') || !cli) throw new Error('dockerd, containerd or docker is not installed (apt-get install docker.io)');
  for (const sub of ['data', 'exec', 'config', 'containerd']) mkdirSync(join(dir, sub), { recursive: true });
  const containerdSocket = join(dir, 'containerd', 'containerd.sock');
  writeFileSync(join(dir, 'containerd.toml'), [
    'version = 2', `root = "${join(dir, 'containerd', 'root')}"`, `state = "${join(dir, 'containerd', 'state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]', '[grpc]', `  address = "${containerdSocket}"`, '',
  ].join('\n'));
  const containerd = daemon(['containerd', '--config', join(dir, 'containerd.toml'), '--log-level', 'warn'], join(dir, 'containerd.log'));
  const socket = join(dir, 'docker.sock');
  // An empty daemon.json: a machine-wide one ("init": true, registry mirrors) must not leak in.
  writeFileSync(join(dir, 'daemon.json'), '{}\n');
  const env = {
    DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config'),
    DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0',
  };
  const dockerd = daemon(['dockerd',
    '--config-file', join(dir, 'daemon.json'), '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'dockerd.pid'), '-H', `unix://${socket}`, '--containerd', containerdSocket,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--userland-proxy=false', '--log-level=warn',
  ], join(dir, 'dockerd.log'));
  const stop = async (): Promise<void> => {
    const all = await runHost([cli, 'ps', '-aq'], { env: { ...process.env, ...env }, allowFail: true });
    const ids = all.stdout.split('\n').filter(Boolean);
    if (ids.length) await runHost([cli, 'rm', '-f', ...ids], { env: { ...process.env, ...env }, allowFail: true });
    await stopDaemon(dockerd);
    await stopDaemon(containerd);
    await removeTree(dir);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await runHost([cli, 'version', '--format', '{{.Server.Version}}'], { env: { ...process.env, ...env }, allowFail: true });
    if (r.code === 0) return { cli, env, version: r.stdout.trim(), ms: performance.now() - began, stop };
    const dead = dockerd.exited() ?? containerd.exited();
    if (dead !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not start (${dead ?? 'no answer in 30 s'}):\n${tail(join(dir, 'dockerd.log'))}\n${tail(join(dir, 'containerd.log'), 4)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PodmanEngine {
  /** `podman` and the global options that make it private to this run. */
  argv: string[];
  /** CONTAINERS_CONF: a containers.conf of this run's own. */
  env: Record<string, string>;
  version: string;
  stop(): Promise<void>;
}

export async function startPodman(dir: string): Promise<PodmanEngine> {
  const podman = which('podman');
  if (!podman) throw new Error('podman is not installed (apt-get install podman)');
  const argv = [podman,
    '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'),
    '--volumepath', join(dir, 'volumes'), '--network-config-dir', join(dir, 'networks'),
    // cgroupfs and a file for events: a machine without systemd or journald (like CI's).
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--storage-driver', 'overlay',
  ];
  for (const sub of ['root', 'run', 'tmp', 'volumes', 'networks']) mkdirSync(join(dir, sub), { recursive: true });
  // The machine's containers.conf (an `init = true`, say) must not leak in. Podman raises a
  // root container's open-files and process limits (to 1048576 and 4194304) above its own hard
  // limits, which needs CAP_SYS_RESOURCE; where that is missing (a sandboxed VM, as here), runc
  // fails with EPERM. So: the hard limits this process has, the process limit no higher than
  // pid_max (podman itself ran with nproc = pid_max here; more than that means nothing anyway).
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const hard = (name: string) => Number(new RegExp(`^${name}\\s+\\S+\\s+(\\d+)`, 'm').exec(limits)?.[1] ?? Infinity);
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const ulimits = [['nofile', hard('Max open files')], ['nproc', Math.min(hard('Max processes'), pidMax)]]
    .filter(([, n]) => Number.isFinite(n)).map(([name, n]) => `"${name}=${n}:${n}"`);
  writeFileSync(join(dir, 'containers.conf'), `[containers]\ninit = false\ndefault_ulimits = [${ulimits.join(', ')}]\n`);
  const env = { CONTAINERS_CONF: join(dir, 'containers.conf') };
  const run = (args: string[]) => runHost([...argv, ...args], { env: { ...process.env, ...env }, allowFail: true });
  const info = await run(['version', '--format', '{{.Client.Version}}']);
  if (info.code !== 0) throw new Error(`podman does not run: ${info.stderr.trim()}`);
  return {
    argv,
    env,
    version: info.stdout.trim(),
    stop: async () => {
      await run(['rm', '--all', '--force', '--time', '0']);
      await run(['system', 'reset', '--force']);
      await removeTree(dir);
    },
  };
}

/** Unmounts whatever is still mounted under dir (deepest first), then removes it. */
export async function removeTree(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) await runHost(['umount', '-l', mount], { allowFail: true });
  rmSync(dir, { recursive: true, force: true });
}
