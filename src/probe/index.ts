// `procinit probe`: how does an app stop, as PID 1 without an init and under procinit? Not the
// init: this is a developer tool, bundled apart (dist/probe.js) and loaded by entry.ts only for
// `procinit probe`, so it may use child_process freely and costs a plain run nothing.
//
// Output: the report on stdout (a table, or one JSON object with --json); everything the app and
// the trials print on stderr, each line prefixed with the trial's name, plus a few progress lines.
// Exit status: 0 pass, 1 fail, 2 bad usage, 3 the probe cannot run here, 128+N on signal N.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readLaunchState } from '../launch/launch-state.js';
import { PROBE_USAGE, type ProbeOptions, parseProbeCommandLine } from './cli.js';
import { findNamespacer, findParentDeathWrapper, type Namespacer } from './namespace.js';
import { type ProbeReport, shellQuote, toJson, toTable } from './report.js';
import { ProbeAborted, ProbeSetupError, Trial } from './run.js';
import { signalNameOf } from './signals.js';
import type { TrialName, TrialResult } from './types.js';
import { formatMs, judge } from './verdict.js';

export const PROBE_EXIT = { PASS: 0, FAIL: 1, USAGE: 2, CANNOT_RUN: 3 } as const;

function say(text: string): void {
  try {
    process.stderr.write(`${text}\n`);
  } catch {
    // stderr closed: the report and the exit status still say it
  }
}

/** bin/procinit of this same package: the bundle is dist/probe.js. */
function procinitLauncher(): string {
  return resolve(__dirname, '..', 'bin', 'procinit');
}

/** The environment the app would get from procinit: its NODE_* variables are its own again (bin/procinit moved them aside). */
function appEnvironment(): NodeJS.ProcessEnv {
  const given = Object.entries(process.env).map(([name, value]) => Buffer.from(`${name}=${value ?? ''}`));
  const env: NodeJS.ProcessEnv = {};
  for (const entry of readLaunchState(given).childEnv) {
    const text = entry.toString();
    const eq = text.indexOf('=');
    env[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return env;
}

interface Plan { name: TrialName; label: string; pid1: string[]; main: 'pid1' | 'first-child' }

function plans(options: ProbeOptions, launcher: string): Plan[] {
  return [
    { name: 'withoutInit', label: 'without init', pid1: options.command, main: 'pid1' },
    { name: 'withProcinit', label: 'with procinit', pid1: [launcher, '--', ...options.command], main: 'first-child' },
  ];
}

export async function probeMain(argv: string[]): Promise<number> {
  const cli = parseProbeCommandLine(argv);
  if (cli.kind === 'print') {
    process.stdout.write(cli.text);
    return PROBE_EXIT.PASS;
  }
  if (cli.kind === 'usage-error') {
    say(`procinit probe: ${cli.message}. Usage: ${PROBE_USAGE} (see procinit probe --help)`);
    return PROBE_EXIT.USAGE;
  }
  const { options } = cli;
  const launcher = procinitLauncher();
  if (!existsSync(launcher)) {
    say(`procinit probe: cannot find procinit's launcher at ${launcher}; reinstall procinit`);
    return PROBE_EXIT.CANNOT_RUN;
  }
  const found = findNamespacer();
  if (!found.ok) {
    say(`procinit probe: ${found.message}`);
    return PROBE_EXIT.CANNOT_RUN;
  }
  return runProbe(options, launcher, found.namespacer);
}

async function runProbe(options: ProbeOptions, launcher: string, namespacer: Namespacer): Promise<number> {
  const wrapper = findParentDeathWrapper();
  const env = appEnvironment();
  const signal = signalNameOf(options.signal);

  // Ctrl-C or a CI job's SIGTERM: kill the trial's namespace, then exit as that signal says.
  let current: Trial | null = null;
  let interruptedBy: number | null = null;
  const onSignal = (number: number) => () => {
    if (interruptedBy !== null) return;
    interruptedBy = number;
    say(`procinit probe: interrupted by ${signalNameOf(number)}; killing the trial`);
    current?.abort();
  };
  const handlers: [NodeJS.Signals, () => void][] = [['SIGINT', onSignal(2)], ['SIGTERM', onSignal(15)], ['SIGHUP', onSignal(1)]];
  for (const [name, handler] of handlers) process.on(name, handler);

  try {
    const results: Partial<Record<TrialName, TrialResult>> = {};
    const all = plans(options, launcher);
    for (const [index, plan] of all.entries()) {
      if (interruptedBy !== null) return 128 + interruptedBy;
      const step = `procinit probe: [${index + 1}/${all.length}] ${plan.label}:`;
      say(`${step} ${shellQuote(plan.pid1)} as PID 1; ${signal} in ${formatMs(options.afterMs)}`);
      current = new Trial({
        name: plan.name,
        argv: [...wrapper, ...namespacer.prefix, '--', ...plan.pid1],
        main: plan.main,
        signal: options.signal,
        afterMs: options.afterMs,
        timeoutMs: options.timeoutMs,
        env,
        onOutput: (line) => say(`[${plan.name}] ${line}`),
        onSignalSent: () => say(`${step} sent ${signal}; SIGKILL in ${formatMs(options.timeoutMs)} if PID 1 still runs`),
      });
      try {
        results[plan.name] = await current.run();
      } catch (error) {
        if (error instanceof ProbeAborted) return 128 + (interruptedBy ?? 15);
        if (error instanceof ProbeSetupError) {
          say(`procinit probe: ${error.message}`);
          return PROBE_EXIT.CANNOT_RUN;
        }
        throw error;
      } finally {
        current = null;
      }
    }
    if (interruptedBy !== null) return 128 + interruptedBy;

    const withoutInit = results.withoutInit!;
    const withProcinit = results.withProcinit!;
    const verdict = judge({
      command: options.command, signal, signalNumber: options.signal,
      afterMs: options.afterMs, timeoutMs: options.timeoutMs, withoutInit, withProcinit,
    });
    const report: ProbeReport = {
      ...verdict, withoutInit, withProcinit, command: options.command, signal,
      afterMs: options.afterMs, timeoutMs: options.timeoutMs, namespace: namespacer.kind,
    };
    process.stdout.write(options.json ? toJson(report) : toTable(report));
    return verdict.verdict === 'pass' ? PROBE_EXIT.PASS : PROBE_EXIT.FAIL;
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}
