// Settings from the environment: every option has a twin, because a Dockerfile's ENTRYPOINT is
// often fixed and only the environment can be changed. tini's and dumb-init's own variables are
// honoured with their meaning (compat-env.ts), so swapping either out is one line.
import { dumbInitSetsid, tiniVerbosityOverride } from './compat-env.js';
import { LONGEST_MS, formatDuration, parseDuration } from './duration.js';
import { type ListenAddress, parseListenAddress } from '../observability/metrics-address.js';
import { whyDelayDoesNotFit } from '../shutdown/stop-plan.js';
import {
  type RealtimeRange, parseSignal, whyNeverReceived, whyNotParentDeathSignal,
} from '../core/signal-table.js';

export interface Config {
  command: string[];
  /** true: always, even as PID 1 (-s); false: never (tini without -s); null: when not PID 1. */
  subreaper: boolean | null;
  killProcessGroup: boolean;
  parentDeathSignal: number | null;
  /** Exit codes of the child reported as 0 (`-e`). */
  remapExitToZero: Set<number>;
  /** 0 errors, 1 warnings (default), 2 info, 3 debug, 4 trace: tini's scale. */
  verbosity: number;
  warnOnReap: boolean;
  /** How long the processes left after the main child get between SIGTERM and SIGKILL; 0 = none. */
  graceMs: number;
  /** Received signal -> signal the child gets; 0 drops it (`--rewrite`). */
  rewrites: Map<number, number>;
  /** After a forwarded SIGTERM/SIGINT/SIGQUIT, SIGKILL the child's group if it still runs. */
  stopTimeoutMs: number | null;
  /** On the first stop signal, keep everything running this long before forwarding it; 0 = none. */
  stopDelayMs: number;
  /** The whole stop, from the first stop signal to procinit's exit, fits in this; null = no bound. */
  stopDeadlineMs: number | null;
  /** Where the termination message goes as procinit exits; null: nowhere. */
  terminationLog: TerminationLogSetting | null;
  /** Where to serve Prometheus metrics; null (the default) opens no socket. */
  metrics: ListenAddress | null;
  logFormat: LogFormat;
  /** A config file of services (`--config`, src/services/); unset: the single child, as ever. */
  servicesFile?: string | null;
  /** Relay the services' output as `name | line` (`--log-prefix`). */
  logPrefix?: boolean;
  /** Where `procinit status` reads from (`--status-file`); unset: a runtime directory. */
  statusFile?: string | null;
}

export type LogFormat = 'json' | 'pretty';

/** Kubernetes' file, written only when it exists; a path given is created if missing. */
export interface TerminationLogSetting { path: string; create: boolean }
export const DEFAULT_TERMINATION_LOG: TerminationLogSetting = { path: '/dev/termination-log', create: false };

export const DEFAULT_GRACE_MS = 5_000;

export class UsageError extends Error {}

/** Commander's error text as one line, without its `error: ` prefix or a final period. */
export function oneLineMessage(message: string): string {
  return message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '').trim();
}

export type Env = Record<string, string | undefined>;

const TRUE_WORDS = new Set(['', '1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** PROCINIT_X: a yes/no word; TINI_X: on when set at all, as tini reads it. */
export function flagFromEnv(env: Env, name: string, tiniName?: string): boolean | undefined {
  const value = env[`PROCINIT_${name}`];
  if (value !== undefined) {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw new UsageError(`PROCINIT_${name}=${value} is not a yes/no value; use 1 or 0`);
  }
  if (tiniName && env[tiniName] !== undefined) return true;
  return undefined;
}

export function parseExitCode(text: string, where: string): number {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || n > 255) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not an exit code; use a number from 0 to 255`);
  }
  return n;
}

export function parseVerbosity(text: string, where: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not a verbosity; use a number from 0 to 4`);
  }
  return Math.min(Number(trimmed), 4);
}

export function parseSignalOption(text: string, where: string, rt: RealtimeRange): number {
  const signal = parseSignal(text, rt);
  if (signal === undefined) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not a signal; use a name like TERM or a number like 15`);
  }
  return signal;
}

/** `-p`: a signal procinit acts on, or KILL. */
export function parseParentDeathSignal(text: string, where: string, rt: RealtimeRange): number {
  const signal = parseSignalOption(text, where, rt);
  const why = whyNotParentDeathSignal(signal);
  if (why) throw new UsageError(`${where} ${JSON.stringify(text)} cannot be the parent-death signal: ${why}; use one procinit forwards, like TERM`);
  return signal;
}

export function parseDurationOption(text: string, where: string): number {
  const ms = parseDuration(text);
  if (ms !== undefined && !(ms <= LONGEST_MS)) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is longer than procinit can wait; use at most 596h (about 24.8 days)`);
  }
  if (ms === undefined) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not a duration; use 500ms, 5s, 1m or a number of seconds`);
  }
  return ms;
}

/** `TERM:QUIT`, `SIGTERM:SIGQUIT`, `15:3`; TO may be 0 to drop the signal. */
export function parseRewrite(text: string, where: string, rt: RealtimeRange): [number, number] {
  const parts = text.split(':');
  const from = parts.length === 2 ? parseSignal(parts[0]!, rt) : undefined;
  const to = parts.length === 2 ? parseSignal(parts[1]!, rt, true) : undefined;
  if (from === undefined || to === undefined) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not a rewrite; use FROM:TO like TERM:QUIT (TO 0 drops the signal)`);
  }
  const never = whyNeverReceived(from);
  if (never) {
    throw new UsageError(`${where} ${JSON.stringify(text)} would do nothing: ${never}; rewrite a signal procinit receives`);
  }
  return [from, to];
}

export function parseMetricsOption(text: string, where: string): ListenAddress {
  const address = parseListenAddress(text);
  if (!address) {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not an address to listen on; use [HOST:]PORT with a port from 1 to 65535 and an IP address or localhost, like 9090 or 127.0.0.1:9090`);
  }
  return address;
}

/** The stop settings together: `--stop-delay` must leave the app time to stop within `--stop-deadline`. */
export function checkStopTimes<T extends Pick<Config, 'stopDelayMs' | 'stopDeadlineMs'>>(config: T): T {
  const { stopDelayMs, stopDeadlineMs } = config;
  if (stopDeadlineMs === null) return config;
  if (stopDeadlineMs === 0) {
    throw new UsageError('a stop deadline of 0 would SIGKILL everything the moment a stop signal comes; '
      + 'set it to the runtime\'s stop time-out (docker stop -t, terminationGracePeriodSeconds), or leave it unset');
  }
  const why = whyDelayDoesNotFit(stopDelayMs, stopDeadlineMs);
  if (why) {
    throw new UsageError(`the stop delay (${formatDuration(stopDelayMs)}) does not fit in the stop deadline (${formatDuration(stopDeadlineMs)}): `
      + `${why}; make the delay shorter than about 80% of the deadline, or the deadline longer`);
  }
  return config;
}

/** A path; the words that turn a PROCINIT_ switch off turn it off. */
export function parseTerminationLog(text: string, where: string): TerminationLogSetting | null {
  if (['', ...FALSE_WORDS].includes(text.trim().toLowerCase())) return null;
  if (text.includes('\0')) throw new UsageError(`${where} ${JSON.stringify(text)} is not a path`);
  return { path: text, create: true };
}

export function parseLogFormat(text: string, where: string): LogFormat {
  if (text === 'json' || text === 'pretty') return text;
  throw new UsageError(`${where} ${JSON.stringify(text)} is not a log format; use json or pretty`);
}

/** The environment's settings; the command line overrides them. */
export function configFromEnv(env: Env, rt: RealtimeRange): Omit<Config, 'command'> {
  const pdeath = env.PROCINIT_PARENT_DEATH_SIGNAL;
  const remap = env.PROCINIT_REMAP_EXIT;
  const list = (text: string | undefined) => (text ?? '').split(',').filter((s) => s.trim() !== '');
  return {
    subreaper: flagFromEnv(env, 'SUBREAPER', 'TINI_SUBREAPER') ?? null,
    killProcessGroup: flagFromEnv(env, 'KILL_PROCESS_GROUP', 'TINI_KILL_PROCESS_GROUP') ?? dumbInitSetsid(env) ?? false,
    warnOnReap: flagFromEnv(env, 'WARN_ON_REAP') ?? false,
    verbosity: env.PROCINIT_VERBOSITY !== undefined
      ? parseVerbosity(env.PROCINIT_VERBOSITY, 'PROCINIT_VERBOSITY') : tiniVerbosityOverride(env) ?? 1,
    parentDeathSignal: pdeath ? parseParentDeathSignal(pdeath, 'PROCINIT_PARENT_DEATH_SIGNAL', rt) : null,
    remapExitToZero: new Set(list(remap).map((s) => parseExitCode(s, 'PROCINIT_REMAP_EXIT'))),
    graceMs: env.PROCINIT_GRACE !== undefined ? parseDurationOption(env.PROCINIT_GRACE, 'PROCINIT_GRACE') : DEFAULT_GRACE_MS,
    rewrites: new Map(list(env.PROCINIT_REWRITE).map((s) => parseRewrite(s, 'PROCINIT_REWRITE', rt))),
    stopTimeoutMs: env.PROCINIT_STOP_TIMEOUT !== undefined
      ? parseDurationOption(env.PROCINIT_STOP_TIMEOUT, 'PROCINIT_STOP_TIMEOUT') : null,
    stopDelayMs: env.PROCINIT_STOP_DELAY !== undefined ? parseDurationOption(env.PROCINIT_STOP_DELAY, 'PROCINIT_STOP_DELAY') : 0,
    stopDeadlineMs: env.PROCINIT_STOP_DEADLINE !== undefined
      ? parseDurationOption(env.PROCINIT_STOP_DEADLINE, 'PROCINIT_STOP_DEADLINE') : null,
    terminationLog: env.PROCINIT_TERMINATION_LOG !== undefined
      ? parseTerminationLog(env.PROCINIT_TERMINATION_LOG, 'PROCINIT_TERMINATION_LOG') : DEFAULT_TERMINATION_LOG,
    // Off as every PROCINIT_ switch is off: unset, empty, 0, false, no, off.
    metrics: env.PROCINIT_METRICS === undefined || ['', ...FALSE_WORDS].includes(env.PROCINIT_METRICS.trim().toLowerCase())
      ? null : parseMetricsOption(env.PROCINIT_METRICS, 'PROCINIT_METRICS'),
    logFormat: env.PROCINIT_LOG_FORMAT ? parseLogFormat(env.PROCINIT_LOG_FORMAT, 'PROCINIT_LOG_FORMAT') : 'json',
    servicesFile: env.PROCINIT_CONFIG || null,
    logPrefix: flagFromEnv(env, 'LOG_PREFIX') ?? false,
    statusFile: env.PROCINIT_STATUS_FILE || null,
  };
}
