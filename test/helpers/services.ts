// For the services tests (issue 14): write a config, run procinit with it for real (as PID 1 of
// a fresh PID namespace or as a subreaper), and read its events from its JSON log lines.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { FIXTURES, PROCINIT, type Mode, type Started, descendantsOf, findInitPid, inMode, readIfExists, start, waitFor } from './procs.js';
import { PYTHON } from './inits.js';

export const SERVICE_FIXTURES = join(FIXTURES, 'services');
export const STAMP = join(SERVICE_FIXTURES, 'stamp.sh');
export const listen = (kind: 'tcp' | 'http', port: number, delay: number, mark: string) =>
  [PYTHON, join(SERVICE_FIXTURES, 'listen.py'), kind, String(port), String(delay), mark];
export const notify = (fd: number, delay: number, mark: string) => [PYTHON, join(SERVICE_FIXTURES, 'notify.py'), String(fd), String(delay), mark];

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface LogRecord { event?: string; time: number; level: number; msg: string; service?: string; [key: string]: unknown }

/** procinit's JSON log lines; anything else on stderr (a service's own output) is skipped. */
export function records(stderr: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{"level"')) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      // a service's line that happens to start like ours
    }
  }
  return out;
}

export const eventsOf = (stderr: string, event: string, service?: string) =>
  records(stderr).filter((r) => r.event === event && (service === undefined || r.service === service));

export interface ServicesRun extends Started {
  statusFile: string;
  /** The pid to signal as a runtime would: procinit itself. */
  initPid(): Promise<number>;
  /** stderr so far. */
  stderrNow(): string;
  env: NodeJS.ProcessEnv;
}

const running: Started[] = [];
afterEach(async () => {
  for (const run of running.splice(0)) {
    if (run.proc.exitCode !== null || run.proc.signalCode !== null) continue;
    for (const p of descendantsOf(run.proc.pid!)) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    try { run.proc.kill('SIGKILL'); } catch { /* gone */ }
    await run.done.catch(() => undefined);
  }
});

export function writeConfig(dir: string, config: unknown): string {
  const file = join(dir, 'procinit.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** procinit -v --config FILE [options] [-- command], with its status file in dir. */
export function runServices(mode: Mode, dir: string, config: unknown, options: string[] = [], command: string[] = [],
  extra: { env?: NodeJS.ProcessEnv; stdio?: any[]; stdoutTo?: string } = {}): ServicesRun {
  const file = writeConfig(dir, config);
  const statusFile = join(dir, 'status.json');
  const env = { ...process.env, PROCINIT_STATUS_FILE: statusFile, ...extra.env };
  const procinit = [PROCINIT, '-v', '--config', file, ...options, ...(command.length ? ['--', ...command] : [])];
  // stdoutTo: a shell opens the file (a FIFO) as the container runtime would, blocking, then execs.
  const argv = inMode(mode, extra.stdoutTo ? ['sh', '-c', 'f=$1; shift; exec "$@" > "$f"', 'sh', extra.stdoutTo, ...procinit] : procinit);
  let stderr = '';
  const started = start(argv, { env, ...(extra.stdio ? { stdio: extra.stdio } : {}) });
  started.proc.stderr?.on('data', (d) => { stderr += d; });
  running.push(started);
  let pid: Promise<number> | null = null;
  return {
    ...started, statusFile, env,
    stderrNow: () => stderr,
    initPid: () => (pid ??= mode === 'pid1' ? findInitPid(started.proc.pid!, 'procinit') : Promise.resolve(started.proc.pid!)),
  };
}

/** Waits for a log event (optionally of one service) in the run's stderr. */
export function waitForEvent(run: ServicesRun, event: string, service?: string, count = 1, timeoutMs = 15_000): Promise<LogRecord[]> {
  return waitFor(() => {
    const found = eventsOf(run.stderrNow(), event, service);
    return found.length >= count ? found : undefined;
  }, `${count} ${event} event(s)${service ? ` of ${service}` : ''}`, timeoutMs);
}

/** A stamp.sh service's start record: [wall-clock ms, pid]. */
export function stampOf(dir: string, name: string): [number, number] | undefined {
  const text = readIfExists(join(dir, `${name}.start`)).trim();
  if (!text) return undefined;
  const [ms, pid] = text.split(' ').map(Number);
  return [ms!, pid!];
}
