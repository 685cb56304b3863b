// The command line, tini's flags with long names beside them. Parsing is pure: it returns what to
// do, and main does it.
import type { Command } from 'commander';
import {
  type Config, type Env, UsageError, checkStopTimes, configFromEnv, parseDurationOption, parseExitCode, parseLogFormat, parseMetricsOption,
  parseRewrite, parseParentDeathSignal, parseTerminationLog, oneLineMessage,
} from './options.js';
import type { RealtimeRange } from '../core/signal-table.js';
import { tiniVerbosityOverride } from './compat-env.js';

export const USAGE = 'procinit [options] -- <command> [args...]';
// With --config the command is optional: `procinit --config procinit.json` runs services only.

export type CliResult =
  | { kind: 'run'; config: Config }
  | { kind: 'print'; text: string }
  | { kind: 'license' }
  | { kind: 'usage-error'; message: string };

// Written out, not wrapped by commander: short lines that fit any terminal.
const HELP_AFTER = `
Also:
  procinit probe [options] -- <command>   test how <command> stops as PID 1 of a
                                          container, alone and under procinit
                                          (procinit probe --help)

Exit codes:
  the child's        it exited with it (after -e)
  128+N              it died of signal N (143: SIGTERM), or stop signal N came
                     before it was started
  127, 126           the command was not found, or cannot be executed
  2                  bad usage: nothing was started
  1                  procinit could not set itself up or start the child
`;

// Required when options are given, not at start-up: `ENTRYPOINT ["procinit", "--"]`, the form
// nearly every container uses, needs no option parsing, and commander costs ~5 ms to set up.
const loadCommander = () => require('commander') as typeof import('commander');

function buildProgram(version: string, output: string[]): Command {
  return new (loadCommander().Command)('procinit')
    .usage('[options] -- <command> [args...]')
    .description('A container init: forwards signals to <command>, reaps zombies, exits with its code.')
    .option('-s, --subreaper', 'reap orphans as a child subreaper (automatic when not PID 1)  [PROCINIT_SUBREAPER, TINI_SUBREAPER]')
    .option('--no-subreaper', 'not even when not PID 1, as tini without -s  [PROCINIT_SUBREAPER=0]')
    .option('-g, --kill-process-group', "send signals to the child's whole process group (dumb-init's default)  [PROCINIT_KILL_PROCESS_GROUP, TINI_KILL_PROCESS_GROUP, DUMB_INIT_SETSID=1]")
    .option('-c, --single-child', 'send signals to the child alone: the default, as dumb-init -c')
    .option('-p, --parent-death-signal <signal>', 'signal procinit gets when its parent dies; forwarded like any other  [PROCINIT_PARENT_DEATH_SIGNAL]')
    .option('-e, --remap-exit <code>', 'report this exit code of the child as 0; repeatable  [PROCINIT_REMAP_EXIT=143,130]',
      (text: string, codes: string[] | undefined) => [...(codes ?? []), text])
    .option('-v, --verbose', 'more logging; repeat for more  [PROCINIT_VERBOSITY, TINI_VERBOSITY=0..4]', (_v: string, n: number) => n + 1, 0)
    .option('-w, --warn-on-reap', 'log a warning for each orphan reaped  [PROCINIT_WARN_ON_REAP]')
    .option('--grace <duration>', 'when the child ends, how long the processes left get between SIGTERM and SIGKILL; 0 exits at once as tini does (default 5s)  [PROCINIT_GRACE]')
    .option('-r, --rewrite <from:to>', 'send the child TO when procinit receives FROM, e.g. TERM:QUIT; TO 0 drops it; repeatable  [PROCINIT_REWRITE=TERM:QUIT,WINCH:0]',
      (text: string, all: string[] | undefined) => [...(all ?? []), text])
    .option('--stop-timeout <duration>', "after forwarding SIGTERM, SIGINT or SIGQUIT, SIGKILL the child's process group if it still runs this long (default off)  [PROCINIT_STOP_TIMEOUT]")
    .option('--stop-delay <duration>', 'on the first SIGTERM, SIGINT or SIGQUIT, keep everything running this long, then forward it; a second one forwards at once (a preStop sleep without a shell; default off)  [PROCINIT_STOP_DELAY]')
    .option('--stop-deadline <duration>', "fit the whole stop (delay, the child's stop, the drain) in this, counted from the stop signal, SIGKILLing early enough to exit before the runtime's SIGKILL: set it to docker stop -t or terminationGracePeriodSeconds (default off)  [PROCINIT_STOP_DEADLINE]")
    .option('--termination-log <path>', "write why procinit exited, one paragraph, to this file as it exits (default /dev/termination-log when it exists: Kubernetes' termination message)  [PROCINIT_TERMINATION_LOG]")
    .option('--no-termination-log', 'write no termination message  [PROCINIT_TERMINATION_LOG=0]')
    .option('--metrics <[host:]port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default host 0.0.0.0); off by default  [PROCINIT_METRICS]')
    .option('--log-format <format>', 'json (default) or pretty, for people  [PROCINIT_LOG_FORMAT]')
    .option('--config <file>', 'services to supervise beside <command> (or alone, without one): a JSON file, see procinit.schema.json  [PROCINIT_CONFIG]')
    .option('--log-prefix', "relay the services' output as 'name | line' (stdout and stderr kept apart)  [PROCINIT_LOG_PREFIX]")
    .option('--status-file <path>', 'where procinit keeps the state `procinit status` reads (default: /run/procinit, /dev/shm/procinit, ...)  [PROCINIT_STATUS_FILE]')
    .argument('[command...]', 'the program to run and its arguments')
    .option('-l, --license', 'print the license and exit, as tini -l does')
    .version(version, '-V, --version', 'print the version (-V as dumb-init)')
    .helpOption('-h, --help', 'print this help')
    .addHelpText('after', HELP_AFTER)
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.push(text), writeErr: (text) => output.push(text), outputError: () => {} });
}


export function parseCommandLine(argv: string[], env: Env, version: string, rt: RealtimeRange): CliResult {
  if (argv[0] === '--' && argv.length > 1) {
    try {
      return { kind: 'run', config: checkStopTimes({ command: argv.slice(1), ...configFromEnv(env, rt) }) };
    } catch (error) {
      if (error instanceof UsageError) return { kind: 'usage-error', message: oneLineMessage(error.message) };
      throw error;
    }
  }
  return parseWithCommander(argv, env, version, rt);
}

/** Everything but a bare `-- <command>`; exported so tests can hold both paths to one answer. */
export function parseWithCommander(argv: string[], env: Env, version: string, rt: RealtimeRange): CliResult {
  const output: string[] = [];
  const program = buildProgram(version, output);
  try {
    const fromEnv = configFromEnv(env, rt);
    program.parse(argv, { from: 'user' });
    const opts = program.opts<{ subreaper?: boolean; killProcessGroup?: true; singleChild?: true; parentDeathSignal?: string;
      verbose: number; warnOnReap?: true; remapExit?: string[]; grace?: string; rewrite?: string[];
      stopTimeout?: string; stopDelay?: string; stopDeadline?: string; terminationLog?: string | false; metrics?: string;
      logFormat?: string; license?: true; config?: string; logPrefix?: true; statusFile?: string }>();
    if (opts.license) return { kind: 'license' };
    const command = program.args;
    const servicesFile = opts.config ?? fromEnv.servicesFile;
    if (command.length === 0 && !servicesFile) throw new UsageError('no command given (nor services with --config)');
    if (opts.singleChild && opts.killProcessGroup) {
      throw new UsageError("-c and -g contradict each other: -g signals the child's whole process group, -c the child alone; give one");
    }
    return {
      kind: 'run',
      config: checkStopTimes({
        command,
        subreaper: opts.subreaper ?? fromEnv.subreaper,
        killProcessGroup: opts.singleChild ? false : opts.killProcessGroup ?? fromEnv.killProcessGroup,
        parentDeathSignal: opts.parentDeathSignal !== undefined
          ? parseParentDeathSignal(opts.parentDeathSignal, '-p', rt) : fromEnv.parentDeathSignal,
        remapExitToZero: new Set([...fromEnv.remapExitToZero,
          ...(opts.remapExit ?? []).map((code) => parseExitCode(code, '-e'))]),
        verbosity: tiniVerbosityOverride(env) ?? (opts.verbose > 0 ? Math.min(1 + opts.verbose, 4) : fromEnv.verbosity),
        warnOnReap: opts.warnOnReap ?? fromEnv.warnOnReap,
        graceMs: opts.grace !== undefined ? parseDurationOption(opts.grace, '--grace') : fromEnv.graceMs,
        rewrites: new Map([...fromEnv.rewrites, ...(opts.rewrite ?? []).map((r) => parseRewrite(r, '--rewrite', rt))]),
        stopTimeoutMs: opts.stopTimeout !== undefined
          ? parseDurationOption(opts.stopTimeout, '--stop-timeout') : fromEnv.stopTimeoutMs,
        stopDelayMs: opts.stopDelay !== undefined ? parseDurationOption(opts.stopDelay, '--stop-delay') : fromEnv.stopDelayMs,
        stopDeadlineMs: opts.stopDeadline !== undefined
          ? parseDurationOption(opts.stopDeadline, '--stop-deadline') : fromEnv.stopDeadlineMs,
        terminationLog: opts.terminationLog === false ? null
          : opts.terminationLog !== undefined ? parseTerminationLog(opts.terminationLog, '--termination-log') : fromEnv.terminationLog,
        metrics: opts.metrics !== undefined ? parseMetricsOption(opts.metrics, '--metrics') : fromEnv.metrics,
        logFormat: opts.logFormat !== undefined ? parseLogFormat(opts.logFormat, '--log-format') : fromEnv.logFormat,
        servicesFile,
        logPrefix: opts.logPrefix ?? fromEnv.logPrefix,
        statusFile: opts.statusFile ?? fromEnv.statusFile,
      }),
    };
  } catch (error) {
    if (error instanceof loadCommander().CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        return { kind: 'print', text: output.join('') };
      }
      return { kind: 'usage-error', message: oneLineMessage(error.message) };
    }
    if (error instanceof UsageError) return { kind: 'usage-error', message: oneLineMessage(error.message) };
    throw error;
  }
}
