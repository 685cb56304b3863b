// Small host-side utilities for the Docker suite's set-up: run a program and collect its output,
// read the machine's own Debian mirror.
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

export interface Ran { code: number; stdout: string; stderr: string; ms: number }

/** Runs argv to completion; rejects (with the tail of stderr) when it fails, unless `allowFail`. */
export function runHost(argv: string[], options: SpawnOptions & { allowFail?: boolean; input?: string } = {}): Promise<Ran> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => { stdout += d; });
    child.stderr?.on('data', (d) => { stderr += d; });
    // A program that exits before reading its input closes the pipe: its exit code says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ran = { code: code ?? 128, stdout, stderr: signal ? `${stderr}(${signal})` : stderr, ms: performance.now() - began };
      if (ran.code === 0 || options.allowFail) return resolve(ran);
      reject(new Error(`${argv.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

/** `command -v`, without a shell. */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/**
 * The Debian mirror this machine installs from (bookworm, main), from /etc/apt/sources.list and
 * sources.list.d (one-line and deb822 forms), so debootstrap fetches from where apt already does.
 */
export function debianMirror(suite = 'bookworm'): string {
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) files.push(`/etc/apt/sources.list.d/${f}`);
  }
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/gm)) {
      if (m[2] === suite && /\bmain\b/.test(m[3]!)) return m[1]!;
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim() ?? '';
      if (!/\bdeb\b/.test(field('Types'))) continue;
      if (!field('Suites').split(/\s+/).includes(suite) || !/\bmain\b/.test(field('Components'))) continue;
      const uri = field('URIs').split(/\s+/)[0];
      if (uri) return uri;
    }
  }
  return FALLBACK_MIRROR;
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
