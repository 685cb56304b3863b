// `procinit probe` command line. Parsing is pure: it returns what to do.
import { Command, CommanderError } from 'commander';
import { parseDuration } from '../launch/duration.js';
import { oneLineMessage } from '../launch/options.js';
import { parseProbeSignal } from './signals.js';

export const PROBE_USAGE = 'procinit probe [--signal SIG] [--after DURATION] [--timeout DURATION] [--json] -- <command> [args...]';

export interface ProbeOptions {
  command: string[];
  signal: number;
  afterMs: number;
  timeoutMs: number;
  json: boolean;
}

export type ProbeCli =
  | { kind: 'run'; options: ProbeOptions }
  | { kind: 'print'; text: string }
  | { kind: 'usage-error'; message: string };

class ProbeUsageError extends Error {}

// One line a paragraph: commander wraps each line to the terminal's width, and a hard break
// inside a paragraph would leave a ragged short line wherever the widths differ.
const DESCRIPTION = [
  'Runs <command> twice, each time as PID 1 of a fresh PID namespace: once alone (exec form, no '
  + 'init), once under procinit. Each time it waits --after, sends the signal as a container runtime '
  + 'does (docker stop), waits up to --timeout for PID 1 to end, then SIGKILLs what is left; then it '
  + 'says whether the app stops cleanly, and why not.',
  '',
  'The report goes to stdout; the app\'s output goes to stderr, each line prefixed with the trial. '
  + 'Durations: 500ms, 5s, 1m, 1.5 (seconds).',
  '',
  'Exit status: 0 pass, 1 fail, 2 bad usage, 3 the probe cannot run here (no unshare, no '
  + 'namespaces, procinit not found), 130/143 interrupted by SIGINT/SIGTERM.',
].join('\n');

function buildProgram(output: string[]): Command {
  return new Command('procinit probe')
    .usage('[options] -- <command> [args...]')
    .description(DESCRIPTION)
    .option('--signal <signal>', 'the signal to send: a name (TERM, SIGINT) or a number', 'SIGTERM')
    .option('--after <duration>', 'how long the app may settle before the signal', '2s')
    .option('--timeout <duration>', 'how long after the signal before SIGKILL (Docker: 10s)', '10s')
    .option('--json', 'print the report as one JSON object')
    .argument('[command...]', 'the program to probe and its arguments')
    .helpOption('-h, --help', 'print this help')
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.push(text), writeErr: (text) => output.push(text), outputError: () => {} });
}

function duration(text: string, option: string, allowZero: boolean): number {
  const ms = parseDuration(text);
  if (ms === undefined || (!allowZero && ms === 0)) {
    throw new ProbeUsageError(`${option} ${JSON.stringify(text)} is not a duration${allowZero ? '' : ' above zero'} (500ms, 5s, 1m, or seconds)`);
  }
  return ms;
}


export function parseProbeCommandLine(argv: string[]): ProbeCli {
  const output: string[] = [];
  const program = buildProgram(output);
  try {
    program.parse(argv, { from: 'user' });
    const opts = program.opts<{ signal: string; after: string; timeout: string; json?: true }>();
    const signal = parseProbeSignal(opts.signal);
    if (signal === undefined) throw new ProbeUsageError(`--signal ${JSON.stringify(opts.signal)} is not a signal (TERM, SIGINT, 15)`);
    const command = program.args;
    if (command.length === 0) throw new ProbeUsageError('no command given');
    return {
      kind: 'run',
      options: {
        command,
        signal,
        afterMs: duration(opts.after, '--after', true),
        timeoutMs: duration(opts.timeout, '--timeout', false),
        json: opts.json === true,
      },
    };
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed') return { kind: 'print', text: output.join('') };
      return { kind: 'usage-error', message: oneLineMessage(error.message) };
    }
    if (error instanceof ProbeUsageError) return { kind: 'usage-error', message: error.message };
    throw error;
  }
}
