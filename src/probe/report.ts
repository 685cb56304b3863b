// The report, on stdout: a table for people, or with --json one JSON object on one line. (The
// app's own output goes to stderr, each line prefixed with the trial's name: see index.ts.)
import { formatMs, type Verdict } from './verdict.js';
import type { TrialResult } from './types.js';
import { signalNameOf } from './signals.js';

export interface ProbeReport extends Verdict {
  withoutInit: TrialResult;
  withProcinit: TrialResult;
  command: string[];
  signal: string;
  afterMs: number;
  timeoutMs: number;
  /** How the namespace was made: as root (pid), or inside a user namespace (user+pid). */
  namespace: 'pid' | 'user+pid';
}

export function toJson(report: ProbeReport): string {
  const { verdict, reason, withoutInit, withProcinit, command, signal, afterMs, timeoutMs, namespace } = report;
  return `${JSON.stringify({ verdict, reason, withoutInit, withProcinit, command, signal, afterMs, timeoutMs, namespace })}\n`;
}

/** As a shell would need it typed: plain words bare, anything else in single quotes. */
export function shellQuote(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function exitText(trial: TrialResult): string {
  if (trial.killed) return 'SIGKILL (by the probe)';
  if (trial.signal !== null) return trial.signal;
  const code = trial.exitCode!;
  const name = code > 128 && code <= 128 + 64 ? signalNameOf(code - 128) : '';
  return name.startsWith('SIG') ? `${code} (128+${name})` : String(code);
}

function row(name: string, trial: TrialResult): string[] {
  const time = trial.exitedBeforeSignal ? 'ended before the signal' : formatMs(trial.ms!);
  const stopped = trial.exitedBeforeSignal ? '-' : trial.stopped ? 'yes' : 'no';
  const leftovers = trial.leftovers === 0 ? '0' : `${trial.leftovers} (${[...new Set(trial.leftoverCommands)].join(', ')})`;
  return [name, stopped, time, exitText(trial), String(trial.zombies), leftovers];
}

export function toTable(report: ProbeReport): string {
  const rows = [
    ['', 'stopped', 'time', 'exit', 'zombies', 'leftovers'],
    row('without init', report.withoutInit),
    row('with procinit', report.withProcinit),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)));
  const lines = rows.map((r) => `  ${r.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}`.trimEnd());
  const how = report.namespace === 'pid' ? 'a fresh PID namespace' : 'a fresh user and PID namespace';
  return [
    `procinit probe: ${shellQuote(report.command)}`,
    `PID 1 of ${how}; ${report.signal} after ${formatMs(report.afterMs)}, SIGKILL ${formatMs(report.timeoutMs)} later`,
    '',
    ...lines,
    '',
    `${report.verdict.toUpperCase()}: ${report.reason}`,
    '',
  ].join('\n');
}
