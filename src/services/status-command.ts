// `procinit status`: each service's state, pid, uptime, restarts and last exit, read from the
// status file; exits 0 only when every critical service (and the main command) is up and
// ready, so it serves as a Docker HEALTHCHECK.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS_FILE_ENV, type StatusSnapshot, runtimeDirectories, statusFileName } from './status-file.js';
import { isUpAndReady } from './states.js';

export const STATUS_USAGE = 'procinit status [--json] [--file PATH]';
export const STATUS_EXIT = { HEALTHY: 0, UNHEALTHY: 1, USAGE: 2 } as const;

type Found = { path: string } | { problem: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** status.json (procinit as PID 1) first; else the one status-<pid>.json whose procinit lives. */
export function findStatusFile(env: Record<string, string | undefined>): Found {
  const dirs = runtimeDirectories(env);
  for (const dir of dirs) {
    const path = join(dir, statusFileName(1));
    if (existsSync(path)) return { path };
  }
  const live: string[] = [];
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = /^status-(\d+)\.json$/.exec(name)?.[1];
      if (pid && isAlive(Number(pid))) live.push(join(dir, name));
    }
  }
  if (live.length === 1) return { path: live[0]! };
  if (live.length > 1) return { problem: `several procinits run here (${live.join(', ')}); name one with --file or ${STATUS_FILE_ENV}` };
  return { problem: `no status file in ${dirs.join(', ')}: is procinit running with --config? (or set ${STATUS_FILE_ENV} as procinit has it)` };
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600) ? `${Math.floor((s % 86_400) / 3600)}h` : ''}`;
}

/** Why the container is not healthy, or null when it is. */
export function unhealthyBecause(snapshot: StatusSnapshot): string | null {
  if (snapshot.stopping) return 'procinit is stopping';
  const down = snapshot.services.filter((s) => s.critical && !isUpAndReady(s)).map((s) => `${s.name} is ${s.state}`);
  if (snapshot.main && snapshot.main.state !== 'RUNNING') down.push(`the main command is ${snapshot.main.state}`);
  return down.length > 0 ? `not every critical service is up and ready: ${down.join(', ')}` : null;
}

function lastExit(exit: StatusSnapshot['services'][number]['lastExit'], now: number, rt: (n: number) => string): string {
  if (!exit) return '-';
  const what = 'exited' in exit.status ? `exit ${exit.status.exited}` : rt(exit.status.signaled);
  return `${what}, ${formatAge(now - exit.at)} ago`;
}

export function formatStatus(snapshot: StatusSnapshot, now: number, signalName: (n: number) => string): string {
  const rows: string[][] = [['SERVICE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'CRITICAL']];
  for (const s of snapshot.services) {
    const up = s.startedAt !== null && s.pid !== null ? formatAge(now - s.startedAt) : '-';
    const state = s.state === 'EXITED' && s.completed ? 'EXITED (done)' : s.state === 'BACKOFF' ? `BACKOFF (${s.backoffMs}ms)` : s.state;
    rows.push([s.name, state, s.pid === null ? '-' : String(s.pid), up, String(s.restarts), lastExit(s.lastExit, now, signalName),
      s.critical ? 'yes' : 'no']);
  }
  const main = snapshot.main;
  if (main) {
    rows.push([`main: ${main.command[0]}`, main.state, main.pid === null ? '-' : String(main.pid),
      main.startedAt !== null && main.state === 'RUNNING' ? formatAge(now - main.startedAt) : '-', '-',
      main.exitCode === null ? '-' : `exit ${main.exitCode}`, 'yes']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  const why = unhealthyBecause(snapshot);
  lines.push('', why ? `unhealthy: ${why}` : 'healthy: every critical service is up and ready');
  return `${lines.join('\n')}\n`;
}

export interface StatusArgs { json: boolean; file: string | null }

export function parseStatusArgs(argv: string[]): StatusArgs | { error: string } {
  const args: StatusArgs = { json: false, file: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') args.json = true;
    else if (arg === '--file' && argv[i + 1] !== undefined) args.file = argv[++i]!;
    else if (arg.startsWith('--file=')) args.file = arg.slice('--file='.length);
    else return { error: `${JSON.stringify(arg)} is not an option of procinit status; usage: ${STATUS_USAGE}` };
  }
  return args;
}

/** The whole command: what to print where, and the exit code. */
export function statusCommand(argv: string[], env: Record<string, string | undefined>, now: number,
  signalName: (n: number) => string): { code: number; stdout: string; stderr: string } {
  const args = parseStatusArgs(argv);
  if ('error' in args) return { code: STATUS_EXIT.USAGE, stdout: '', stderr: `procinit status: ${args.error}\n` };
  const explicit = args.file ?? env[STATUS_FILE_ENV] ?? null;
  const found: Found = explicit ? { path: explicit } : findStatusFile(env);
  if ('problem' in found) return { code: STATUS_EXIT.UNHEALTHY, stdout: '', stderr: `procinit status: ${found.problem}\n` };
  let snapshot: StatusSnapshot;
  try {
    snapshot = JSON.parse(readFileSync(found.path, 'utf8')) as StatusSnapshot;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { code: STATUS_EXIT.UNHEALTHY, stdout: '', stderr: `procinit status: cannot read ${found.path} (${code ?? 'not JSON'}): is procinit running with --config?\n` };
  }
  if (snapshot.pid !== 1 && !isAlive(snapshot.pid)) {
    return { code: STATUS_EXIT.UNHEALTHY, stdout: '', stderr: `procinit status: procinit (pid ${snapshot.pid}) is not running; ${found.path} is stale\n` };
  }
  const why = unhealthyBecause(snapshot);
  const stdout = args.json ? `${JSON.stringify({ ...snapshot, healthy: why === null, unhealthyBecause: why })}\n`
    : formatStatus(snapshot, now, signalName);
  return { code: why ? STATUS_EXIT.UNHEALTHY : STATUS_EXIT.HEALTHY, stdout, stderr: '' };
}
